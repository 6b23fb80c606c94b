/** `brainsync init --csv FILE`: a commented starting configuration from a CSV file's header. */
import { Options } from "@effect/cli"
import * as Lazy from "../lazy.js"

const description = "Write a commented starting configuration from a CSV file's header."

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

export type Args = Lazy.Args<typeof options>

export const command = Lazy.command("init", options, description, () => import("../handlers/init.js"))
