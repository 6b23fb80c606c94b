export * as Fixtures from "./Fixtures.js"
export * as Sandbox from "./Sandbox.js"
export * as SandboxCommand from "./SandboxCommand.js"
