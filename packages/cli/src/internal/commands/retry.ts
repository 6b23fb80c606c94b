/** `brainsync retry --config FILE`: sends the dead letters of the state file again. */
import { Command } from "@effect/cli"
import * as Lazy from "../lazy.js"
import * as Shared from "./options.js"

const options = {
  config: Shared.config,
  json: Shared.json,
  report: Shared.report,
  tokenStdin: Shared.tokenStdin,
}

export type Args = Command.Command.ParseConfig<typeof options>

export const command = Command.make(
  "retry",
  options,
  Lazy.handler(() => import("../handlers/retry.js")),
).pipe(Command.withDescription("Send the dead letters of the state file again."))
