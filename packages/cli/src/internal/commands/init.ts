/** `brainsync init --csv FILE`: a commented starting configuration from a CSV file's header. */
import { Command, Options } from "@effect/cli"
import * as Lazy from "../lazy.js"

const options = {
  csv: Options.text("csv").pipe(Options.withDescription("The CSV file whose header to start from.")),
  output: Options.text("output").pipe(
    Options.withAlias("o"),
    Options.withDefault("brainsync.json"),
    Options.withDescription("Where to write the configuration."),
  ),
  name: Options.text("name").pipe(
    Options.withDefault("contacts"),
    Options.withDescription("The sync's name."),
  ),
  force: Options.boolean("force").pipe(Options.withDescription("Overwrite an existing file.")),
}

export type Args = Command.Command.ParseConfig<typeof options>

export const command = Command.make(
  "init",
  options,
  Lazy.handler(() => import("../handlers/init.js")),
).pipe(Command.withDescription("Write a commented starting configuration from a CSV file's header."))
