/**
 * The `brainsync` command: `sync`, `demo`, `sandbox`, `retry`, `status` and `init`.
 * `main(argv)` runs it and gives the exit code: 0 every row ended in a non-failed outcome, 1 some
 * rows failed or the reject rate was exceeded, 2 a usage or configuration error, 3 the CRM
 * refused us (401 or 406), 4 another run of the sync holds the state file.
 *
 * Each command's work is loaded only when it runs (`internal/handlers/`), so `--version`, `--help`
 * and the light commands start without SQLite, the sandbox or an HTTP server.
 *
 * @since 0.1.0
 */
import * as SandboxCommand from "@brainsync/sandbox/SandboxCommand"
import { Command, ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect } from "effect"
import * as Check from "./internal/commands/check.js"
import * as Demo from "./internal/commands/demo.js"
import * as Init from "./internal/commands/init.js"
import * as Retry from "./internal/commands/retry.js"
import * as Status from "./internal/commands/status.js"
import * as Sync from "./internal/commands/sync.js"
import * as Exit from "./internal/exit.js"

/**
 * The version `brainsync --version` prints.
 *
 * @since 0.1.0
 * @category constants
 */
export const VERSION = "0.1.0"

/**
 * The `brainsync` command with its subcommands, for embedding in another `@effect/cli` program.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("brainsync").pipe(
  Command.withDescription(
    "Keep a MainBrainer CRM contact list in step with a CSV, an HTTP API or a database.",
  ),
  Command.withSubcommands([
    Sync.command,
    Demo.command,
    SandboxCommand.command,
    Retry.command,
    Status.command,
    Init.command,
    Check.command,
  ]),
)

/**
 * The exit codes `main` gives: `OK` 0, `ROWS_FAILED` 1, `USAGE` 2, `REFUSED` 3, `STATE_HELD` 4;
 * `CliFailure` is the failure a command stops with, carrying its code and a one-line message.
 *
 * @since 0.1.0
 * @category exit codes
 */
export { CliFailure, OK, REFUSED, ROWS_FAILED, STATE_HELD, USAGE } from "./internal/exit.js"

const cli = Command.run(command, { name: "brainsync", version: VERSION })

/**
 * Waits until what was written to `stream` has left the process: into a pipe (`brainsync sync
 * --json | jq`) Node writes asynchronously, and the bin's `process.exit` would drop the rest.
 * (Writes complete in order, so an empty write's callback comes after all of them.)
 */
const flushed = (stream: NodeJS.WriteStream): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (stream.writableLength === 0) resume(Effect.void)
    else stream.write("", () => resume(Effect.void))
  })

/**
 * Runs the command line (`process.argv`-shaped) and gives the exit code; messages go to stderr.
 *
 * @since 0.1.0
 * @category running
 */
export const main = (argv: ReadonlyArray<string>): Effect.Effect<number> =>
  cli(argv).pipe(
    Effect.as(Exit.OK),
    Effect.catchAll((error) => {
      if (ValidationError.isValidationError(error)) return Effect.succeed(Exit.USAGE)
      if (error instanceof Exit.CliFailure)
        return Effect.sync(() => {
          process.stderr.write(`brainsync: ${error.message}\n`)
          return error.code
        })
      // Loaded only on this path: the command's start stays free of core.
      return Effect.promise(() => import("@brainsync/core/SyncError")).pipe(
        Effect.map(({ messageOf }) => {
          process.stderr.write(`brainsync: ${messageOf(error)}\n`)
          return Exit.ROWS_FAILED
        }),
      )
    }),
    // Also when interrupted (Ctrl-C): the summary so far must reach the pipe too.
    Effect.ensuring(Effect.zipRight(flushed(process.stdout), flushed(process.stderr))),
    Effect.provide(NodeContext.layer),
  )
