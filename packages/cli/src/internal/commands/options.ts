/** Options shared by the commands that read a configuration file. */
import { Options } from "@effect/cli"

export const config = Options.text("config").pipe(
  Options.withAlias("c"),
  Options.withDefault("brainsync.json"),
  Options.withDescription("The sync's configuration file (JSON with comments)."),
)

export const json = Options.boolean("json").pipe(
  Options.withDescription("Print one JSON object per line instead of the display."),
)
