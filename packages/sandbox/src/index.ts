export * as Fixtures from "./Fixtures.js"
export * as Sandbox from "./Sandbox.js"
