/** `brainsync sync --config FILE [overrides]`: one sync run. */
import { Command, Options } from "@effect/cli"
import { Effect, Either, Option, Schema } from "effect"
import { resolve } from "node:path"
import * as SyncConfig from "../../SyncConfig.js"
import * as Exit from "../exit.js"
import * as Ledger from "../ledger.js"
import * as Run from "../run.js"
import * as Source from "../source.js"
import * as Token from "../token.js"
import * as Shared from "./options.js"

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
  report: text("report", "Write the JSON report to this file."),
  rejects: text("rejects", "Write the rejected and failed rows to this CSV file."),
  maxRejectRate: text(
    "max-reject-rate",
    'Fail (exit 1) when more rows than this are rejected: "5%" or 0.05.',
  ),
  json: Shared.json,
  tokenStdin: Options.boolean("token-stdin").pipe(
    Options.withDescription("Read the CRM token from standard input instead of MAINBRAINER_TOKEN."),
  ),
}

/** `5%`, `0.05` → 0.05. */
export const parseRate = (text: string): number | undefined => {
  const trimmed = text.trim()
  const percent = trimmed.endsWith("%")
  const value = Number(percent ? trimmed.slice(0, -1) : trimmed)
  if (trimmed === "" || trimmed === "%" || !Number.isFinite(value)) return undefined
  const ratio = percent ? value / 100 : value
  return ratio >= 0 && ratio <= 1 ? ratio : undefined
}

const isUuid = Schema.is(Schema.UUID)

type Args = {
  readonly [K in keyof typeof options]: (typeof options)[K] extends Options.Options<infer A> ? A : never
}

/** The configuration with the command line's overrides applied and checked. */
const configure = (args: Args) =>
  Effect.gen(function* () {
    const loaded = yield* SyncConfig.load(args.config).pipe(
      Effect.mapError((error) => Exit.usage(error.message)),
    )
    const crm = { ...loaded.crm }
    if (Option.isSome(args.listId)) {
      if (!isUuid(args.listId.value))
        return yield* Exit.usage(`--list-id: expected a UUID, got "${args.listId.value}"`)
      crm.listId = args.listId.value
    }
    if (Option.isSome(args.baseUrl)) {
      const checked = SyncConfig.decode({ ...loaded, crm: { ...crm, baseUrl: args.baseUrl.value } })
      if (Either.isLeft(checked))
        return yield* Exit.usage(`--base-url: ${args.baseUrl.value} is not an http(s) URL`)
      crm.baseUrl = args.baseUrl.value
    }
    const state = Option.isSome(args.state) ? resolve(args.state.value) : loaded.state
    return { ...loaded, crm, ...(state !== undefined ? { state } : {}) } satisfies SyncConfig.SyncConfig
  })

export const command = Command.make("sync", options, (args) =>
  Effect.gen(function* () {
    const config = yield* configure(args)
    let maxRejectRate = config.maxRejectRate
    if (Option.isSome(args.maxRejectRate)) {
      maxRejectRate = parseRate(args.maxRejectRate.value)
      if (maxRejectRate === undefined)
        return yield* Exit.usage(
          `--max-reject-rate: expected a percentage like 5% or a fraction like 0.05, got "${args.maxRejectRate.value}"`,
        )
    }
    const mapping = SyncConfig.mapping(config)
    if (mapping.problems.length > 0) return yield* Exit.usage(`mapping: ${mapping.problems.join("; ")}`)
    const token = args.dryRun ? undefined : yield* Token.read(args.tokenStdin)
    const source = yield* Source.open(config.source)
    const outcome = yield* Ledger.provide(
      Run.run({
        config,
        name: config.name,
        baseUrl: config.crm.baseUrl,
        token,
        mapping,
        rows: source.rows,
        fraction: source.fraction,
        mode: Option.getOrElse(args.mode, () => config.mode ?? "upsert"),
        dryRun: args.dryRun,
        display: Run.displayMode(args.json),
        reportPath: Option.getOrUndefined(Option.map(args.report, (path) => resolve(path))),
        rejectsPath: Option.getOrUndefined(Option.map(args.rejects, (path) => resolve(path))),
        maxRejectRate,
      }),
      config.state,
    )
    if (outcome.code !== Exit.OK)
      return yield* new Exit.CliFailure({ code: outcome.code, message: outcome.message ?? "the sync failed" })
  }),
).pipe(Command.withDescription("Sync the configured source into the CRM list once."))
