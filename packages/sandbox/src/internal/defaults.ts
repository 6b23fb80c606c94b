/** The sandbox's default credentials, kept apart so that the command's help can name them without loading the server. */

/**
 * The bearer token a sandbox accepts when given none.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_TOKEN = "sandbox-token"
