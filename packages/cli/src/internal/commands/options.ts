/**
 * Options shared by the commands, and `lazy`: a command's work lives in `../handlers/` and is
 * loaded only when that command runs, so `--help`, `--version` and the light commands load
 * neither SQLite, nor the sandbox, nor an HTTP server.
 */
import { Options } from "@effect/cli"
import { Effect } from "effect"

export const config = Options.text("config").pipe(
  Options.withAlias("c"),
  Options.withDefault("brainsync.json"),
  Options.withDescription("The sync's configuration file (JSON with comments)."),
)

export const json = Options.boolean("json").pipe(
  Options.withDescription("Print one JSON object per line instead of the display."),
)

export const report = Options.text("report").pipe(
  Options.optional,
  Options.withDescription("Write the JSON report to this file."),
)

export const tokenStdin = Options.boolean("token-stdin").pipe(
  Options.withDescription("Read the CRM token from standard input instead of MAINBRAINER_TOKEN."),
)

/** A command handler that imports its module when it runs. */
export const lazy =
  <Args, E, R>(load: () => Promise<{ readonly handle: (args: Args) => Effect.Effect<void, E, R> }>) =>
  (args: Args): Effect.Effect<void, E, R> =>
    Effect.flatMap(Effect.promise(load), (module) => module.handle(args))
