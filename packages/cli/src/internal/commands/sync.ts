/** `brainsync sync --config FILE [overrides]`: one sync run. */
import { Options } from "@effect/cli"
import * as Lazy from "../lazy.js"
import { DEFAULT_MAX_REJECT_RATE, percent, REJECT_RATE_FROM } from "../rejectRate.js"
import * as Shared from "./options.js"

const description = "Sync the configured source into the CRM list once."

const text = (name: string, description: string) =>
  Options.text(name).pipe(Options.optional, Options.withDescription(description))

const options = {
  config: Shared.config,
  baseUrl: text("base-url", "The CRM's base URL, instead of crm.baseUrl."),
  listId: text("list-id", "The CRM list id, instead of crm.listId."),
  state: Shared.state,
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
  rejects: text(
    "rejects",
    "Write the rejected, failed and warned rows to this CSV file (UTF-8, no byte order mark: see --rejects-bom).",
  ),
  rejectsBom: Options.boolean("rejects-bom").pipe(
    Options.withDescription(
      "Start the rejects file with a UTF-8 byte order mark, so that Excel shows accents; off by default, since command-line tools see the mark as a stray character.",
    ),
  ),
  maxRejectRate: text(
    "max-reject-rate",
    `Stop (exit 1) when more rows than this are rejected: "5%" or 0.05; checked once ${REJECT_RATE_FROM} rows were read, and at the end. Default: the configuration's maxRejectRate, else ${percent(DEFAULT_MAX_REJECT_RATE)}; "100%" turns it off.`,
  ),
  json: Shared.json,
  tokenStdin: Shared.tokenStdin,
}

export type Args = Lazy.Args<typeof options>

export const command = Lazy.command("sync", options, description, () => import("../handlers/sync.js"))
