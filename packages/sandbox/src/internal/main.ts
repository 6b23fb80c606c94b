/** Entry point of the `brainsync-sandbox` bin. */
import { Command } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { command } from "../SandboxCommand.js"

const cli = Command.run(command, { name: "brainsync-sandbox", version: "0.1.0" })

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
