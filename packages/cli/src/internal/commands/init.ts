/** `brainsync init --csv FILE`: a commented starting configuration from a CSV file's header and first rows. */
import { Options } from "@effect/cli"
import { encodings } from "../encoding.js"
import * as Lazy from "../lazy.js"

const description =
  "Write a commented starting configuration from a CSV file's header and first rows, and say what it chose and why."

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
  delimiter: Options.text("delimiter").pipe(
    Options.optional,
    Options.withDescription(
      'The field delimiter (";", "|", tab as "\\t" or "tab"); default: detected among , ; tab |. Written into the configuration.',
    ),
  ),
  encoding: Options.choice("encoding", encodings).pipe(
    Options.optional,
    Options.withDescription(
      "The file's encoding; default: detected (a byte order mark, UTF-8, or what the bytes look like). Written into the configuration.",
    ),
  ),
  force: Options.boolean("force").pipe(Options.withDescription("Overwrite an existing file.")),
}

export type Args = Lazy.Args<typeof options>

export const command = Lazy.command("init", options, description, () => import("../handlers/init.js"))
