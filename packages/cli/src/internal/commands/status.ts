/** `brainsync status --config FILE`: the state file's last runs and dead letters. */
import { Options } from "@effect/cli"
import * as Lazy from "../lazy.js"
import * as Shared from "./options.js"

const description = "Show the state file: the last runs, their counts, and the dead letters."

const options = {
  config: Shared.config,
  state: Shared.state,
  json: Shared.json,
  runs: Options.integer("runs").pipe(
    Options.withDefault(10),
    Options.withDescription("How many runs to show."),
  ),
}

export type Args = Lazy.Args<typeof options>

export const command = Lazy.command("status", options, description, () => import("../handlers/status.js"))
