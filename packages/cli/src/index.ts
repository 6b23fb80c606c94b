export * as Cli from "./Cli.js"
export * as SyncConfig from "./SyncConfig.js"
