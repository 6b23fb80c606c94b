/** `brainsync status --config FILE`: the state file's last runs and dead letters. */
import { Command, Options } from "@effect/cli"
import * as Lazy from "../lazy.js"
import * as Shared from "./options.js"

const options = {
  config: Shared.config,
  json: Shared.json,
  runs: Options.integer("runs").pipe(
    Options.withDefault(10),
    Options.withDescription("How many runs to show."),
  ),
}

export type Args = Command.Command.ParseConfig<typeof options>

export const command = Command.make(
  "status",
  options,
  Lazy.handler(() => import("../handlers/status.js")),
).pipe(Command.withDescription("Show the state file: the last runs, their counts, and the dead letters."))
