/** Options shared by the commands. A command's work lives in `../handlers/`, loaded when it runs (`../lazy.ts`). */
import { Options } from "@effect/cli"

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

export const state = Options.text("state").pipe(
  Options.optional,
  Options.withDescription("The state file (SQLite), instead of the configuration's state."),
)
