/** The sandbox's default credentials, kept apart so that the command's help can name them without loading the server. */
export const DEFAULT_TOKEN = "sandbox-token"
