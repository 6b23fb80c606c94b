/** The work of `brainsync sync`: one sync run. */
import { Effect, Either, Option, Schema } from "effect"
import { resolve } from "node:path"
import * as SyncConfig from "../../SyncConfig.js"
import * as Exit from "../exit.js"
import * as Ledger from "../ledger.js"
import * as RejectRate from "../rejectRate.js"
import * as Run from "../run.js"
import * as Source from "../source.js"
import * as Token from "../token.js"
import type { Args } from "../commands/sync.js"

const isUuid = Schema.is(Schema.UUID)

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

/** The reject-rate limit: `--max-reject-rate`, else the configuration's, else the default; 100% is none. */
const rejectLimit = (args: Args, config: SyncConfig.SyncConfig) =>
  Effect.gen(function* () {
    if (Option.isNone(args.maxRejectRate)) return RejectRate.limitOf(config.maxRejectRate)
    const given = RejectRate.parse(args.maxRejectRate.value)
    if (given === undefined)
      return yield* Exit.usage(
        `--max-reject-rate: expected a percentage like 5% or a fraction like 0.05, got "${args.maxRejectRate.value}"`,
      )
    return RejectRate.limitOf(given)
  })

export const handle = (args: Args) =>
  Run.command(
    args.json,
    Effect.gen(function* () {
      const config = yield* configure(args)
      const maxRejectRate = yield* rejectLimit(args, config)
      const mapping = SyncConfig.mapping(config)
      const mode = Option.getOrElse(args.mode, () => config.mode ?? "upsert")
      const problems = Run.problems(config, mapping, maxRejectRate, mode)
      if (problems.length > 0) return yield* Exit.usage(`${args.config}: ${problems.join("; ")}`)
      const token = args.dryRun ? undefined : yield* Token.read(args.tokenStdin)
      const source = yield* Source.open(config.source)
      const settings = {
        config,
        mapping,
        where: args.config,
        rows: source.rows,
        fraction: source.fraction,
        mode,
        display: Run.displayMode(args.json),
        reportPath: Option.getOrUndefined(Option.map(args.report, (path) => resolve(path))),
        rejectsPath: Option.getOrUndefined(Option.map(args.rejects, (path) => resolve(path))),
        rejectsBom: args.rejectsBom,
        maxRejectRate,
      }
      return yield* Ledger.provide(
        Run.run(token === undefined ? { _tag: "DryRun", ...settings } : { _tag: "Send", token, ...settings }),
        config.state,
      )
    }),
  )
