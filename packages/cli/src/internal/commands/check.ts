/** `brainsync check --config FILE`: will this sync work? Checked before anything is sent. */
import { Options } from "@effect/cli"
import * as Lazy from "../lazy.js"
import * as Shared from "./options.js"

const description =
  "Check the configuration against the source's first rows and the CRM (token, list) without sending any contact."

const options = {
  config: Shared.config,
  rows: Options.integer("rows").pipe(
    Options.withDefault(100),
    Options.withDescription("How many of the source's first rows to read and map (default 100)."),
  ),
  json: Options.boolean("json").pipe(
    Options.withDescription("Print one JSON object with the problems instead of one line each."),
  ),
  tokenStdin: Shared.tokenStdin,
}

export type Args = Lazy.Args<typeof options>

export const command = Lazy.command("check", options, description, () => import("../handlers/check.js"))
