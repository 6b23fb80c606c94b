/** `brainsync retry --config FILE`: sends the dead letters of the state file again. */
import * as Lazy from "../lazy.js"
import * as Shared from "./options.js"

const description = "Send the dead letters of the state file again."

const options = {
  config: Shared.config,
  state: Shared.state,
  json: Shared.json,
  report: Shared.report,
  tokenStdin: Shared.tokenStdin,
}

export type Args = Lazy.Args<typeof options>

export const command = Lazy.command("retry", options, description, () => import("../handlers/retry.js"))
