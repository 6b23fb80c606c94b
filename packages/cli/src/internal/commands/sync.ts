/** `brainsync sync --config FILE [overrides]`: one sync run. */
import { Options } from "@effect/cli"
import * as Lazy from "../lazy.js"
import * as Shared from "./options.js"

const description = "Sync the configured source into the CRM list once."

const text = (name: string, description: string) =>
  Options.text(name).pipe(Options.optional, Options.withDescription(description))

const options = {
  config: Shared.config,
  baseUrl: text("base-url", "The CRM's base URL, instead of crm.baseUrl."),
  listId: text("list-id", "The CRM list id, instead of crm.listId."),
  state: text("state", "The state file (SQLite), instead of state."),
  dryRun: Options.boolean("dry-run").pipe(
    Options.withDescription("Read, map and diff, but send nothing and change no state."),
  ),
  mode: Options.choice("mode", ["upsert", "update-only", "insert-only"]).pipe(
    Options.optional,
    Options.withDescription(
      "upsert (default): every changed row; update-only / insert-only: rows the state knows / does not know.",
    ),
  ),
  report: Shared.report,
  rejects: text("rejects", "Write the rejected and failed rows to this CSV file."),
  maxRejectRate: text(
    "max-reject-rate",
    'Fail (exit 1) when more rows than this are rejected: "5%" or 0.05.',
  ),
  json: Shared.json,
  tokenStdin: Shared.tokenStdin,
}

export type Args = Lazy.Args<typeof options>

export const command = Lazy.command("sync", options, description, () => import("../handlers/sync.js"))
