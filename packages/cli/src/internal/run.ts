/**
 * One sync run as the command runs it, shared by `sync`, `retry` and `demo`, in three steps: the
 * layers the configuration asks for (`runLayers.ts`: the sink and the webhook receiver, for a real
 * run only), what the result means (`runOutcome.ts`: the report, the exit code and why), and the
 * output (`runOutput.ts`: the progress display and rejects file as it goes, the report file and
 * the summary at the end). The ledger of the state file is the caller's to provide: the run
 * finds it as `Sync.run` and `DryRun.run` do, with `Ledger.optional`.
 */
import {
  DeadLetters,
  DryRun,
  Ledger,
  type Mapping,
  type SourceRow,
  Sync,
  type SyncReport,
} from "@brainsync/core"
import { Effect, Either, type Redacted, type Stream } from "effect"
import type * as SyncConfig from "../SyncConfig.js"
import * as Exit from "./exit.js"
import * as OutputFile from "./outputFile.js"
import type * as Progress from "./progress.js"
import * as RejectRate from "./rejectRate.js"
import * as Layers from "./runLayers.js"
import * as Verdict from "./runOutcome.js"
import * as Output from "./runOutput.js"

export { displayMode } from "./runOutput.js"

interface Common {
  readonly config: SyncConfig.SyncConfig
  readonly mapping: Mapping.Mapping
  readonly display: Progress.Mode
  readonly reportPath?: string | undefined
  /** Stop (exit 1) when the rejected share of the rows is above it; none when undefined. */
  readonly maxRejectRate?: number | undefined
  /** Where the settings come from (the configuration file), for messages. */
  readonly where?: string | undefined
}

/** Rows read from the configured source. */
interface FromSource {
  readonly rows: Stream.Stream<SourceRow.SourceRow, SourceRow.SourceError>
  readonly fraction?: (() => number) | undefined
  readonly mode: Sync.Mode
  readonly rejectsPath?: string | undefined
  /** `--rejects-bom`: the rejects file starts with a UTF-8 byte order mark, for spreadsheets. */
  readonly rejectsBom?: boolean | undefined
}

/** Reads, maps and diffs, and sends nothing: no token, no sink. */
export interface DryRunSettings extends Common, FromSource {
  readonly _tag: "DryRun"
}

/** Sends the source's rows to the configured CRM with `token`. */
export interface SendSettings extends Common, FromSource {
  readonly _tag: "Send"
  readonly token: Redacted.Redacted<string>
  /** Sync options beyond the configuration's (the demo's quicker flush). */
  readonly tuning?: Partial<Pick<Sync.Options<never, never>, "flushAfter" | "resultsTimeout">> | undefined
}

/** Sends the dead letters kept in `ledger` again, with `token`. */
export interface RetrySettings extends Common {
  readonly _tag: "Retry"
  readonly token: Redacted.Redacted<string>
  readonly ledger: Ledger.Service
}

export type Settings = DryRunSettings | SendSettings | RetrySettings

export interface Outcome extends Verdict.Ending {
  readonly elapsedMillis: number
  readonly sent: number
}

interface Ran {
  readonly report: SyncReport.SyncReport
  readonly preview?: DryRun.Preview | undefined
}

const outputOptions = (settings: Settings): Output.Options => {
  const { display, config, reportPath } = settings
  if (settings._tag === "Retry")
    return { display, name: config.name, reportPath, dryRun: false, mode: "upsert" }
  const { rejectsPath, rejectsBom } = settings
  return {
    display,
    name: config.name,
    reportPath,
    dryRun: settings._tag === "DryRun",
    mode: settings.mode,
    fraction: settings.fraction,
    rejects:
      rejectsPath === undefined ? undefined : { path: rejectsPath, keyColumn: config.key, bom: rejectsBom },
  }
}

/** The sync's options from the configuration and the reject-rate limit, without its source. */
const syncOptions = (
  config: SyncConfig.SyncConfig,
  mapping: Mapping.Mapping,
  maxRejectRate: number | undefined,
) => ({
  name: config.name,
  mapping,
  batchSize: config.batchSize,
  concurrency: config.concurrency,
  requestsPerSecond: config.requestsPerSecond,
  allowUnknownProperties: config.allowUnknownProperties,
  maxRequestBytes: config.maxRequestBytes,
  maxRejectRate,
  rejectRateFrom: RejectRate.REJECT_RATE_FROM,
})

/**
 * Why a run of this configuration cannot start, checked before any output: a configuration error
 * is then one line on standard error, not a summary table of zeros before it.
 */
export const problems = (
  config: SyncConfig.SyncConfig,
  mapping: Mapping.Mapping,
  maxRejectRate: number | undefined,
  mode: Sync.Mode,
): ReadonlyArray<string> => [
  ...Sync.problems(syncOptions(config, mapping, maxRejectRate)),
  ...(mode !== "upsert" && config.state === undefined
    ? [
        `mode ${mode} sends rows by what the state file knows: set "state" in the configuration, or give --state FILE`,
      ]
    : []),
]

/** The run the settings ask for, with its layers, telling `output` its events. */
const start = (settings: Settings, output: Output.Output): Effect.Effect<Ran, Verdict.RunError> => {
  const { config } = settings
  const options = {
    ...syncOptions(config, settings.mapping, settings.maxRejectRate),
    onEvent: output.onEvent,
  }
  switch (settings._tag) {
    case "DryRun":
      return Effect.map(
        DryRun.run({ ...options, mode: settings.mode, source: output.remember(settings.rows) }),
        (preview) => ({ report: preview.report, preview }),
      )
    case "Send": {
      const source = output.remember(settings.rows)
      const sync = Sync.run({ ...options, mode: settings.mode, ...settings.tuning, source })
      return Effect.map(Layers.provide(sync, config, settings.token), (report) => ({ report }))
    }
    case "Retry": {
      const retry = Effect.provideService(DeadLetters.retry(options), Ledger.Ledger, settings.ledger)
      return Effect.map(Layers.provide(retry, config, settings.token), (report) => ({ report }))
    }
  }
}

export const run = (settings: Settings): Effect.Effect<Outcome, Exit.CliFailure> =>
  Effect.scoped(
    Effect.gen(function* () {
      const where = settings.where ?? "configuration"
      const found = problems(
        settings.config,
        settings.mapping,
        settings.maxRejectRate,
        settings._tag === "Retry" ? "upsert" : settings.mode,
      )
      if (found.length > 0) return yield* Exit.usage(`${where}: ${found.join("; ")}`)
      if (settings.reportPath !== undefined) yield* OutputFile.check("--report", settings.reportPath)
      if (settings._tag !== "Retry" && settings.rejectsPath !== undefined)
        yield* OutputFile.check("--rejects", settings.rejectsPath)
      const output = yield* Output.make(outputOptions(settings))
      const result = yield* output.whileRunning(Effect.either(start(settings, output)))
      // The configuration turned out unusable once the run began (a mapped column the source lacks),
      // or another run holds the state: nothing was sent, one line says why.
      if (Either.isLeft(result) && result.left._tag === "SyncError") {
        const { reason, message } = result.left
        const unusable = reason === "InvalidConfig" || Verdict.failedBeforeSending(result.left)
        if (unusable || reason === "AlreadyRunning") output.abandon()
        if (unusable) return yield* Exit.usage(`${where}: ${message}`)
        if (reason === "AlreadyRunning") return yield* new Exit.CliFailure({ code: Exit.STATE_HELD, message })
      }
      const ending = yield* Verdict.decide(
        Either.map(result, (ran) => ran.report),
        { counts: output.counts, state: settings.config.state },
      )
      const written = yield* output.writeFiles(ending)
      const final = Verdict.afterWrites(ending, written.problem)
      output.summary(final, written, result._tag === "Right" ? result.right.preview : undefined)
      return { ...final, elapsedMillis: written.elapsedMillis, sent: output.sent() }
    }),
  )

/**
 * A command's run as its handler ends it: a run that ended with a code other than 0 fails with
 * it (its summary was printed), and with `--json` a failure before or instead of the run's own
 * summary still ends standard output with one `Summary` line.
 */
export const command = <R>(
  json: boolean,
  body: Effect.Effect<Outcome | undefined, Exit.CliFailure, R>,
): Effect.Effect<void, Exit.CliFailure, R> =>
  body.pipe(
    Effect.tapError((failure) =>
      Effect.sync(() => {
        if (json) Output.failureSummary(failure.code, failure.message)
      }),
    ),
    Effect.flatMap((outcome) =>
      outcome === undefined || outcome.code === Exit.OK
        ? Effect.void
        : Effect.fail(
            new Exit.CliFailure({ code: outcome.code, message: outcome.message ?? "the sync failed" }),
          ),
    ),
  )
