export * as SqlLedger from "./SqlLedger.js"
export * as SqlSource from "./SqlSource.js"
