/** Entry point of the `brainsync` bin: runs the command and exits with its code. */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Exit } from "effect"
import { main } from "./Cli.js"

// A reader that stops early (`brainsync sync --json | head -1`) closes the pipe: that ends the
// command quietly, as it ends any Unix tool, rather than with an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0)
    throw error
  })

NodeRuntime.runMain(
  main(process.argv).pipe(
    // Exit now: a sync's sockets or timers must not keep the process waiting once it is done.
    Effect.flatMap((code) => Effect.sync(() => process.exit(code))),
  ),
  {
    // Reached only when the run did not exit itself: interrupted (Ctrl-C, SIGTERM), or a defect (reported).
    teardown: (exit, onExit) => onExit(Exit.isInterrupted(exit) ? 130 : 1),
  },
)
