/**
 * One sync run: rows from any source, through the mapping, the ledger's diff (when a `Ledger` is
 * provided), dedupe and batching, into the `ContactSink` with a rate limit, bounded concurrency
 * and typed error handling, then the CRM's per-row results (when `BatchResults` is provided).
 * Every row read ends in exactly one outcome of the `SyncReport`.
 *
 * ```ts
 * const run = Sync.run({ name: "crm-contacts", source, mapping })
 * //    ^? Effect<SyncReport, SyncError, ContactSink>
 * run.pipe(Effect.repeat(Schedule.spaced("15 minutes")))
 * ```
 *
 * @since 0.1.0
 * @module
 */
import { Cause, Clock, Duration, Effect, Exit, Option, Queue, Stream, Take } from "effect"
import * as Backoff from "./Backoff.js"
import * as BatchResults from "./BatchResults.js"
import { DEFAULT_MAX_REQUEST_BYTES, MAX_BATCH_SIZE, RECOMMENDED_BATCH_SIZE } from "./BatchRequest.js"
import { ContactSink } from "./ContactSink.js"
import * as Admission from "./internal/admission.js"
import * as Deliver from "./internal/deliver.js"
import * as EventPaths from "./internal/eventPaths.js"
import * as Guard from "./internal/guard.js"
import * as Intake from "./internal/intake.js"
import * as LedgerSteps from "./internal/ledgerSteps.js"
import * as OpenBatches from "./internal/openBatches.js"
import * as Pool from "./internal/pool.js"
import * as RateLimit from "./internal/rateLimit.js"
import * as Settlement from "./internal/settlement.js"
import * as Ledger from "./Ledger.js"
import type { Mapping } from "./Mapping.js"
import type { SourceRow } from "./SourceRow.js"
import { ledgerFailed as syncLedgerFailed, SyncError } from "./SyncError.js"
import type { SyncEvent } from "./SyncEvent.js"
import * as SyncReport from "./SyncReport.js"

/**
 * `upsert` sends every changed row; `update-only` only rows the ledger knows; `insert-only` only rows
 * it does not.
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "upsert" | "update-only" | "insert-only"

/**
 * What `Sync.run` needs: a name, a source and a mapping. The rest tunes batching, concurrency,
 * rate limit, retries and results, each with a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<E, R> {
  /** Names the sync in the report and in the ledger (one ledger state per name and list). */
  readonly name: string
  /** Any stream of rows; feed chunks (arrays of rows), not single rows, for speed. */
  readonly source: Stream.Stream<SourceRow, E, R>
  readonly mapping: Mapping
  /** Contacts per request: default 100 (the CRM's recommendation), at most 1000. */
  readonly batchSize?: number | undefined
  /**
   * The largest request body, in bytes of its JSON text; default 4 MiB (`BatchRequest.DEFAULT_MAX_REQUEST_BYTES`).
   * A batch that would pass it is split before it is sent; a row whose body alone would pass it is rejected, unsent.
   */
  readonly maxRequestBytes?: number | undefined
  /** Requests in flight at once; default 4. */
  readonly concurrency?: number | undefined
  /**
   * Client-side rate limit in requests per second, for a sink that has no limiter of its own (a
   * test double, a sink of yours); default none. A sink with a limiter (the MainBrainer sink given
   * its `requestsPerSecond`) paces itself, and then this is not used.
   */
  readonly requestsPerSecond?: number | undefined
  /** Requests that may go at once after a quiet period, with `requestsPerSecond`; default `requestsPerSecond` (at least 1). */
  readonly burst?: number | undefined
  /** Attempts per request on 5xx and transport errors before its rows fail; default 5. */
  readonly maxAttempts?: number | undefined
  /** First retry delay, doubled each attempt, with jitter; default 250 ms. */
  readonly retryBaseDelay?: Duration.DurationInput | undefined
  /** Longest retry delay; default 30 s. */
  readonly retryMaxDelay?: Duration.DurationInput | undefined
  /** Most time one batch waits on 429s in total before its rows fail; default 5 minutes. */
  readonly rateLimitWaitCap?: Duration.DurationInput | undefined
  /** A partial batch is sent when the source gave no rows for this long; default 1 s. */
  readonly flushAfter?: Duration.DurationInput | undefined
  /** Rows that wait for dedupe before their batch is cut; a duplicate key within this many rows supersedes the earlier row. Default 10 × batchSize. */
  readonly dedupeWindow?: number | undefined
  /** How long to wait for a batch's report when `BatchResults` is provided; default 5 minutes. */
  readonly resultsTimeout?: Duration.DurationInput | undefined
  /** Batches whose reports are awaited at once; default 64. */
  readonly resultsConcurrency?: number | undefined
  /** Which rows to send, using the ledger's knowledge; default `upsert`. Needs a `Ledger` for the others. */
  readonly mode?: Mode | undefined
  /** Rejected and failed rows kept in the report (all of them go through the events); default 1000. */
  readonly keep?: number | undefined
  /** Properties the CRM does not know are warnings (`RowsWarned`; the rows are recorded as sent); default false: the run stops after their batch (`UnknownProperties`). */
  readonly allowUnknownProperties?: boolean | undefined
  /** The largest share of rejected rows (0 to 1): above it the run stops (`RejectRate`), checked from `rejectRateFrom` rows on and at the end. Default: none. */
  readonly maxRejectRate?: number | undefined
  /** Rows read before `maxRejectRate` is checked during the run; default 1000. */
  readonly rejectRateFrom?: number | undefined
  /** Whether the first rows must have every column the mapping names (else `InvalidConfig`, nothing sent); default true. */
  readonly checkColumns?: boolean | undefined
  /** Called with every event, in order; the run waits for it (so a slow listener slows the run, not memory). */
  readonly onEvent?: ((event: SyncEvent) => Effect.Effect<void>) | undefined
}

/**
 * Runs one sync. Fails with `SyncError` on bad options, a source failure, 401/406, or the ledger.
 *
 * @example
 * ```ts
 * import { CsvSource } from "@brainsync/adapters-csv"
 * import { MainBrainer } from "@brainsync/adapters-http"
 * import { SqlLedger } from "@brainsync/adapters-sql"
 * import { Mapping, Sync, SyncReport } from "@brainsync/core"
 * import { Console, Effect, Layer } from "effect"
 *
 * const mapping = Mapping.make({
 *   key: "external_id",
 *   defaultCountry: "US",
 *   fields: { email: "email", phone: "phone" },
 * })
 *
 * const program = Sync.run({
 *   name: "crm-contacts",
 *   source: CsvSource.fromFile("export.csv"),
 *   mapping,
 * }).pipe(
 *   Effect.tap((report) => Console.log(SyncReport.summary(report))),
 *   Effect.catchTag("SyncError", (error) => Console.error(`${error.reason}: ${error.message}`)),
 *   Effect.provide(Layer.merge(MainBrainer.layerConfig(), SqlLedger.layerSqlite(".brainsync/state.db"))),
 * )
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const run = <E, R>(
  options: Options<E, R>,
): Effect.Effect<SyncReport.SyncReport, SyncError, ContactSink | R> => runWith(options, options.onEvent)

/**
 * The run's events as a stream (ending with `Finished`), for a progress display. The sync runs
 * while the stream is consumed, at the consumer's pace; stopping the stream stops the sync.
 *
 * @example
 * ```ts
 * import { CsvSource } from "@brainsync/adapters-csv"
 * import { Mapping, Sync } from "@brainsync/core"
 * import { Console, Effect, Stream } from "effect"
 *
 * declare const mapping: Mapping.Mapping
 *
 * // Needs a ContactSink, like Sync.run
 * const progress = Sync.events({
 *   name: "crm-contacts",
 *   source: CsvSource.fromFile("export.csv"),
 *   mapping,
 * }).pipe(
 *   Stream.runForEach((event) =>
 *     event._tag === "RowsRead" ? Console.log(`${event.total} rows read`) : Effect.void,
 *   ),
 * )
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const events = <E, R>(
  options: Omit<Options<E, R>, "onEvent">,
): Stream.Stream<SyncEvent, SyncError, ContactSink | R> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const queue = yield* Queue.bounded<Take.Take<SyncEvent, SyncError>>(256)
      yield* runWith(options, (event) => Queue.offer(queue, Take.of(event))).pipe(
        Effect.matchCauseEffect({
          onSuccess: (report) =>
            Effect.zipRight(
              Queue.offer(queue, Take.of({ _tag: "Finished", report })),
              Queue.offer(queue, Take.end),
            ),
          onFailure: (cause) => Queue.offer(queue, Take.failCause(cause)),
        }),
        Effect.forkScoped,
      )
      return Stream.flattenTake(Stream.fromQueue(queue))
    }),
  )

/**
 * Why these options cannot be used; empty when they can.
 *
 * @since 0.1.0
 * @category utils
 */
export const problems = (options: Omit<Options<unknown, unknown>, "source">): ReadonlyArray<string> => {
  const found = options.mapping.problems.map((problem) => `mapping: ${problem}`)
  const batchSize = options.batchSize ?? RECOMMENDED_BATCH_SIZE
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE)
    found.push(
      `batchSize ${batchSize} is not allowed: the CRM takes 1 to ${MAX_BATCH_SIZE} contacts per request (it recommends ${RECOMMENDED_BATCH_SIZE} or fewer)`,
    )
  const positiveInteger = (name: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      found.push(`${name} must be a whole number of at least 1, not ${value}`)
  }
  positiveInteger("concurrency", options.concurrency)
  positiveInteger("maxRequestBytes", options.maxRequestBytes)
  positiveInteger("maxAttempts", options.maxAttempts)
  positiveInteger("resultsConcurrency", options.resultsConcurrency)
  positiveInteger("keep", options.keep === 0 ? 1 : options.keep)
  positiveInteger("rejectRateFrom", options.rejectRateFrom)
  const rate = options.maxRejectRate
  if (rate !== undefined && !(rate >= 0 && rate <= 1))
    found.push(`maxRejectRate must be a share from 0 to 1 (0.05 = 5%), not ${rate}`)
  found.push(...RateLimit.problems(options))
  if (
    options.dedupeWindow !== undefined &&
    (!Number.isInteger(options.dedupeWindow) || options.dedupeWindow < batchSize)
  )
    found.push(
      `dedupeWindow must be a whole number of at least batchSize (${batchSize}), not ${options.dedupeWindow}`,
    )
  return found
}

const millis = (input: Duration.DurationInput | undefined, fallback: Duration.DurationInput) =>
  Duration.toMillis(Duration.decode(input ?? fallback))

const runWith = <E, R>(
  options: Options<E, R>,
  listener: ((event: SyncEvent) => Effect.Effect<void>) | undefined,
): Effect.Effect<SyncReport.SyncReport, SyncError, ContactSink | R> =>
  Effect.gen(function* () {
    const found = problems(options)
    if (found.length > 0)
      return yield* new SyncError({
        reason: "InvalidConfig",
        message: `sync "${options.name}": ${found.join("; ")}`,
      })
    const ledger = yield* Ledger.optional
    const mode = options.mode ?? "upsert"
    if (mode !== "upsert" && Option.isNone(ledger))
      return yield* new SyncError({
        reason: "InvalidConfig",
        message: `mode "${mode}" needs a Ledger to know which rows were synced before`,
      })
    const target = Ledger.target(options.name, options.mapping.config.listId)
    const steps = Option.isNone(ledger) ? undefined : LedgerSteps.make(ledger.value, target)
    const body = pipeline(options, listener, steps, mode)
    if (Option.isNone(ledger)) return yield* body
    return yield* Effect.scoped(
      Effect.zipRight(
        ledger.value
          .lease(target)
          .pipe(
            Effect.mapError((error) =>
              error._tag === "LeaseHeld"
                ? new SyncError({ reason: "AlreadyRunning", message: error.message, cause: error })
                : syncLedgerFailed(error),
            ),
          ),
        body,
      ),
    )
  })

/**
 * The run, composed of its parts (in `internal/`): `Intake` pulls the source into `Admission` and
 * cuts batches from its dedupe window by count or idle time into `OpenBatches`; the senders
 * (`Pool`) take each batch in its turn to `Deliver`; `Settlement` gives accepted rows their final
 * outcome.
 *
 * Why every row read ends in exactly one outcome: at each moment a row is in one place below, and
 * leaves it only with its terminal event or into the next place (a terminal event sets the `done`
 * flag of its rows; a stop settles only rows whose flag is clear).
 * - Read: `Admission.map` counts a chunk (`RowsRead`) and rejects rows the mapping refuses; it is
 *   synchronous, so a chunk is either not read yet or wholly mapped.
 * - Admitted: each mapped row is held during the ledger lookup, then ends `unchanged` or
 *   `skipped`, or enters the window, where it is the only row of its key: a later row of the key
 *   (sent or unchanged) takes it out and it ends `superseded`.
 * - Batched: a cut takes rows out of the window into exactly one batch, tracked in `OpenBatches`
 *   until all its rows are done (compaction drops only such batches).
 * - Sent: `Deliver` ends each row of a batch `rejected` (by the CRM) or `failed`, or marks it
 *   `accepted` on its 202 (not done yet: the ledger's commit came first).
 * - Settled: `Settlement` ends each accepted row once, `accepted` or as the report says.
 * - Stopped (a `Fatal` or an interruption): once nothing runs any more, `Settlement.afterStop`
 *   ends the rows not done of every open batch (`accepted` after a 202, else `failed`), then the
 *   rows held or waiting in the window (`failed`, batch 0). No row is anywhere else.
 */
const pipeline = <E, R>(
  options: Options<E, R>,
  listener: ((event: SyncEvent) => Effect.Effect<void>) | undefined,
  steps: LedgerSteps.LedgerSteps | undefined,
  mode: Mode,
): Effect.Effect<SyncReport.SyncReport, SyncError, ContactSink | R> =>
  Effect.gen(function* () {
    const sink = yield* ContactSink
    const results = Option.getOrUndefined(yield* BatchResults.optional)
    const batchSize = options.batchSize ?? RECOMMENDED_BATCH_SIZE
    const concurrency = options.concurrency ?? 4
    const accumulator = SyncReport.accumulator(options.name, options.keep ?? SyncReport.DEFAULT_KEEP)
    const { emit, note, flushNoted } = EventPaths.make(accumulator.add, listener)
    const env: Deliver.Env = {
      sink,
      limit: yield* RateLimit.make(sink, {
        requestsPerSecond: options.requestsPerSecond,
        burst: options.burst,
      }),
      retry: {
        ...Backoff.make({
          maxAttempts: options.maxAttempts,
          baseDelay: options.retryBaseDelay,
          maxDelay: options.retryMaxDelay,
        }),
        rateLimitWaitCapMillis: millis(options.rateLimitWaitCap, "5 minutes"),
      },
      listId: options.mapping.config.listId,
      webHookUrl: results?.webHookUrl,
      maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
      allowUnknownProperties: options.allowUnknownProperties ?? false,
      emit,
      onAccepted: steps === undefined ? () => Effect.void : steps.recordAccepted,
      onFailed: steps === undefined ? () => Effect.void : steps.recordFailed,
    }

    const dedupeWindow = options.dedupeWindow ?? batchSize * 10
    const admission = Admission.make(options.mapping.map, mode, batchSize, dedupeWindow, note)
    const batches = OpenBatches.make(note)
    const settlement = yield* Settlement.make({
      emit,
      results,
      resultsTimeout: options.resultsTimeout ?? "5 minutes",
      resultsConcurrency: options.resultsConcurrency ?? 64,
      recordContactIds: steps?.recordContactIds,
    })
    const send = (batch: OpenBatches.Batch) => Deliver.send(env, batch.seq, batch.cut.items)
    const senders = yield* Pool.make(concurrency, (batch: OpenBatches.Batch) =>
      Effect.flatMap(batches.inTurn(batch, send), settlement.delivered),
    )
    const intake = Intake.run({
      source: options.source,
      flushAfter: options.flushAfter ?? "1 second",
      admission,
      batches,
      senders,
      lookup: steps?.lookup,
      flushNoted,
      guard: Guard.make(options, accumulator.current),
    })
    const awaiting = settlement.awaiting
    const drained: Effect.Effect<void, Deliver.Fatal, R> =
      awaiting === undefined
        ? Effect.all([intake, senders.run], { concurrency: "unbounded", discard: true })
        : Effect.all([intake, Effect.zipRight(senders.run, awaiting.close), awaiting.run], {
            concurrency: "unbounded",
            discard: true,
          })

    const startedAt = yield* Clock.currentTimeMillis
    const recordRun = (report: SyncReport.SyncReport) =>
      steps === undefined ? Effect.void : steps.recordRun(startedAt, report)
    yield* emit({ _tag: "Started", name: options.name, batchSize, concurrency })
    // After the last row: the reject rate of the whole run, however few its rows, and the token
    // of a run that sent nothing (so a token gone bad is told while the source is unchanged).
    const judged = drained.pipe(
      Effect.zipRight(
        Effect.suspend(() => Guard.rejectRate(options, accumulator.current(), 1) ?? Effect.void),
      ),
      Effect.zipRight(Effect.suspend(() => Guard.verifyToken(sink, accumulator.current()))),
    )
    const stop = (reason: string, message: string) =>
      Effect.zipRight(
        // Events noted but not yet told (the chunk being taken when the run stopped) go first.
        Effect.zipRight(flushNoted(undefined), emit({ _tag: "Stopped", reason, message })),
        Effect.zipRight(
          settlement.afterStop(message, batches.open(), admission.strand),
          flushNoted(undefined),
        ),
      )
    const interrupted = "the sync was interrupted"
    // Interrupted (Ctrl-C, a timeout around the run), every row still gets its outcome in the
    // events, so that a listener's counts add up to the rows read.
    const exit = yield* Effect.exit(judged).pipe(Effect.onInterrupt(() => stop("Interrupted", interrupted)))
    if (Exit.isSuccess(exit)) {
      const report = accumulator.report()
      yield* recordRun(report)
      return report
    }
    const fatal = Option.getOrUndefined(Cause.failureOption(exit.cause))
    const message = fatal?.message ?? interrupted
    yield* stop(fatal?.reason ?? "Interrupted", message)
    const report = accumulator.report()
    if (fatal === undefined) return yield* Effect.die(Cause.squash(exit.cause))
    // A configuration refused before anything was sent is no run of the sync's history.
    if (fatal.reason !== "InvalidConfig") yield* recordRun(report)
    return yield* new SyncError({
      reason: fatal.reason,
      message: `sync "${options.name}" stopped: ${message}`,
      report,
      cause: fatal.cause,
    })
  })
