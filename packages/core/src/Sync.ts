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
import {
  Cause,
  Chunk,
  Clock,
  Deferred,
  Duration,
  Effect,
  Exit,
  FiberId,
  Option,
  Queue,
  Stream,
  Take,
} from "effect"
import type { BatchReport } from "./BatchReport.js"
import * as BatchResults from "./BatchResults.js"
import { MAX_BATCH_SIZE, RECOMMENDED_BATCH_SIZE } from "./BatchRequest.js"
import type { Contact } from "./Contact.js"
import { ContactSink } from "./ContactSink.js"
import * as Batcher from "./internal/batcher.js"
import * as Deliver from "./internal/deliver.js"
import { hashContact } from "./internal/hash.js"
import { identities } from "./internal/identity.js"
import * as Ordering from "./internal/ordering.js"
import * as Pool from "./internal/pool.js"
import * as RateLimit from "./internal/rateLimit.js"
import * as Ledger from "./Ledger.js"
import type { Mapped, Mapping } from "./Mapping.js"
import type { SourceRow } from "./SourceRow.js"
import { ledgerFailed as syncLedgerFailed, SyncError } from "./SyncError.js"
import type { PassedRow, RejectedRow, SettledRow, SyncEvent } from "./SyncEvent.js"
import * as SyncReport from "./SyncReport.js"
import { parseInt64Text } from "./Int64.js"

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
  /** Requests in flight at once; default 4. */
  readonly concurrency?: number | undefined
  /** Client-side rate limit in requests per second; default none (the sink or the CRM's 429s govern). */
  readonly requestsPerSecond?: number | undefined
  /** Requests that may go at once after a quiet period; default `requestsPerSecond` (at least 1). */
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
  positiveInteger("maxAttempts", options.maxAttempts)
  positiveInteger("resultsConcurrency", options.resultsConcurrency)
  positiveInteger("keep", options.keep === 0 ? 1 : options.keep)
  if (options.requestsPerSecond !== undefined && !(options.requestsPerSecond > 0))
    found.push(`requestsPerSecond must be more than 0, not ${options.requestsPerSecond}`)
  if (options.burst !== undefined && !(options.burst >= 1))
    found.push(`burst must be at least 1, not ${options.burst}`)
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

const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

const NO_IDS: ReadonlyArray<never> = []

interface Batch {
  readonly seq: number
  readonly cut: Batcher.Cut
}

type Input =
  | { readonly _tag: "Rows"; readonly rows: Chunk.Chunk<SourceRow> }
  | { readonly _tag: "Tick" }
  | { readonly _tag: "End" }

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
    const body = pipeline(options, listener, Option.getOrUndefined(ledger), target, mode)
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

const pipeline = <E, R>(
  options: Options<E, R>,
  listener: ((event: SyncEvent) => Effect.Effect<void>) | undefined,
  ledger: Ledger.Service | undefined,
  target: Ledger.Target,
  mode: Mode,
): Effect.Effect<SyncReport.SyncReport, SyncError, ContactSink | R> =>
  Effect.gen(function* () {
    const sink = yield* ContactSink
    const results = Option.getOrUndefined(yield* BatchResults.optional)
    const batchSize = options.batchSize ?? RECOMMENDED_BATCH_SIZE
    const concurrency = options.concurrency ?? 4
    const accumulator = SyncReport.accumulator(options.name, options.keep ?? SyncReport.DEFAULT_KEEP)
    const emit = (event: SyncEvent): Effect.Effect<void> => {
      accumulator.add(event)
      return listener === undefined ? Effect.void : listener(event)
    }
    const ledgerFailed = (error: Ledger.LedgerError) =>
      new Deliver.Fatal({ reason: "LedgerFailed", message: Ledger.failedMessage(error), cause: error })

    const limit = yield* RateLimit.make(
      options.requestsPerSecond,
      options.burst ?? Math.max(1, options.requestsPerSecond ?? 1),
    )
    const env: Deliver.Env = {
      sink,
      limit,
      retry: {
        maxAttempts: options.maxAttempts ?? 5,
        baseDelayMillis: millis(options.retryBaseDelay, "250 millis"),
        maxDelayMillis: millis(options.retryMaxDelay, "30 seconds"),
        rateLimitWaitCapMillis: millis(options.rateLimitWaitCap, "5 minutes"),
      },
      listId: options.mapping.config.listId,
      webHookUrl: results?.webHookUrl,
      emit,
      onAccepted: (part) =>
        ledger === undefined
          ? Effect.void
          : ledger
              .recordAccepted(
                target,
                part.batchId,
                part.items.map((item) => ({ key: item.key, hash: item.hash, contact: item.mapped })),
              )
              .pipe(Effect.mapError(ledgerFailed)),
      onFailed: (items, error) =>
        ledger === undefined
          ? Effect.void
          : ledger
              .recordDeadLetters(
                target,
                items.map((item) => ({
                  key: item.key,
                  position: item.position,
                  contact: item.contact,
                  error,
                })),
              )
              .pipe(Effect.mapError(ledgerFailed)),
    }

    const map = options.mapping.map
    const batcher = Batcher.make(batchSize, options.dedupeWindow ?? batchSize * 10)
    const ordering = Ordering.make()
    // Batches formed and maybe not settled, for a stop to settle their rows: an array compacted
    // in place once it doubles past 8 (the batches in flight at the default concurrency), so a
    // settled batch's rows are not kept alive long. Not a Map with a set and a delete per batch,
    // nor a new array per compaction: once in the old generation, a replaced hash table or array
    // still pointed to its batches, and the scavenger kept (and promoted) every row they held.
    const open: Array<Batch> = []
    let compactAt = 8
    const track = (batch: Batch) => {
      open.push(batch)
      if (open.length < compactAt) return
      let kept = 0
      for (const formed of open) if (!formed.cut.items.every((item) => item.done)) open[kept++] = formed
      open.length = kept
      compactAt = Math.max(8, kept * 2)
    }
    /** A chunk's mapped rows while the ledger is looked up (none has an outcome yet). */
    let transit: ReadonlyArray<Mapped> = []
    let read = 0
    let rowsSinceTick = 0
    let seq = 0

    // The chunk path below is plain synchronous code (an `Effect.gen` per chunk cost more than the
    // work): its events go to the report at once and are queued for the listener, which is called
    // with them, in order, before the chunk's batches go to the senders.
    const queued: Array<SyncEvent> = []
    const note =
      listener === undefined
        ? (event: SyncEvent): void => accumulator.add(event)
        : (event: SyncEvent): void => {
            accumulator.add(event)
            queued.push(event)
          }
    const deliverNoted = <A>(value: A): Effect.Effect<A> => {
      if (listener === undefined || queued.length === 0) return Effect.succeed(value)
      const events = queued.splice(0, queued.length)
      return Effect.as(Effect.forEach(events, listener, { discard: true }), value)
    }

    /** Batches formed and not yet taken by the senders, oldest first. */
    const unsent: Array<Batch> = []
    const form = (cuts: Array<Batcher.Cut>): void => {
      for (const cut of cuts) {
        const batch: Batch = { seq: ++seq, cut }
        track(batch)
        unsent.push(batch)
        note({ _tag: "BatchFormed", batch: batch.seq, size: cut.items.length })
      }
    }

    const passed = (items: ReadonlyArray<Batcher.Item>): Array<PassedRow> => {
      const rows = new Array<PassedRow>(items.length)
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!
        item.done = true
        rows[i] = { position: item.position, key: item.key }
      }
      return rows
    }

    const itemOf = (row: Mapped, hash: string): Batcher.Item => ({
      position: row.position,
      key: row.key,
      mapped: row.contact,
      contact: row.contact,
      ids: NO_IDS,
      hash,
      accepted: false,
      done: false,
    })

    const enqueue = (item: Batcher.Item): Batcher.Item | undefined => {
      item.ids = identities(item.contact)
      return batcher.add(item)
    }

    /**
     * Puts a chunk's rows into the dedupe window, in order. With a ledger, `known` holds what it
     * has of the chunk's keys: a row equal to it ends `unchanged` (and supersedes an earlier
     * waiting row of its key: the CRM already has the last row's values), rows the mode excludes
     * end `skipped`, and known contactIds are added to the rest. Identities are computed only
     * for rows that go on.
     */
    const admit = (rows: ReadonlyArray<Mapped>, known: ReadonlyMap<string, Ledger.Entry> | undefined) => {
      let superseded: Array<Batcher.Item> | undefined
      let unchanged: Array<PassedRow> | undefined
      let excluded: Array<PassedRow> | undefined
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!
        let previous: Batcher.Item | undefined
        if (known === undefined) previous = enqueue(itemOf(row, ""))
        else {
          const entry = known.get(row.key)
          if (mode === "update-only" ? entry === undefined : mode === "insert-only" && entry !== undefined) {
            ;(excluded ??= []).push({ position: row.position, key: row.key })
          } else {
            const hash = hashContact(row.contact)
            if (entry !== undefined && entry.hash === hash) {
              previous = batcher.drop(row.key)
              ;(unchanged ??= []).push({ position: row.position, key: row.key })
            } else {
              const item = itemOf(row, hash)
              if (entry?.contactId !== undefined && item.contact.contactId == null)
                item.contact = { ...item.contact, contactId: entry.contactId }
              previous = enqueue(item)
            }
          }
        }
        if (previous !== undefined) (superseded ??= []).push(previous)
      }
      if (superseded !== undefined) note({ _tag: "RowsSuperseded", rows: passed(superseded) })
      if (unchanged !== undefined) note({ _tag: "RowsUnchanged", rows: unchanged })
      if (excluded !== undefined)
        note({
          _tag: "RowsSkipped",
          reason: mode === "update-only" ? "update-only: not synced before" : "insert-only: synced before",
          rows: excluded,
        })
    }

    const mapRows = (rows: Chunk.Chunk<SourceRow>): Array<Mapped> => {
      const count = rows.length
      read += count
      rowsSinceTick += count
      note({ _tag: "RowsRead", count, total: read })
      const mapped: Array<Mapped> = []
      let rejected: Array<RejectedRow> | undefined
      const array = Chunk.toReadonlyArray(rows)
      for (let i = 0; i < count; i++) {
        const result = map(array[i]!)
        if (result._tag === "Rejection")
          (rejected ??= []).push({
            position: result.position,
            key: result.key,
            field: result.field,
            reason: result.reason,
          })
        else mapped.push(result)
      }
      if (rejected !== undefined) note({ _tag: "RowsRejected", by: "mapping", rows: rejected })
      return mapped
    }

    /** Forms the batches that `input` makes ready (into `unsent`). */
    const handle = (input: Input): Effect.Effect<void, Deliver.Fatal> =>
      Effect.suspend(() => {
        if (input._tag === "End") {
          form(batcher.flush())
          return deliverNoted(undefined)
        }
        if (input._tag === "Tick") {
          const idle = rowsSinceTick === 0
          rowsSinceTick = 0
          if (idle && batcher.size() > 0) form(batcher.flush())
          return deliverNoted(undefined)
        }
        if (input.rows.length === 0) return Effect.void
        const rows = mapRows(input.rows)
        if (ledger === undefined || rows.length === 0) {
          admit(rows, undefined)
          form(batcher.ready())
          return deliverNoted(undefined)
        }
        transit = rows
        const keys = rows.map((row) => row.key)
        return Effect.flatMap(
          Effect.flatMap(deliverNoted(keys), (keys) => ledger.lookup(target, keys)),
          (known) => {
            transit = []
            admit(rows, known)
            form(batcher.ready())
            return deliverNoted(undefined)
          },
        ).pipe(Effect.mapError(ledgerFailed))
      })

    // The per-batch path (settle, deliver) is built from combinators, not `Effect.gen`: a
    // generator per batch kept the batch's rows reachable after it was done (see `Deliver.send`).
    const settle = (batch: number, items: ReadonlyArray<Batcher.Item>, rows: ReadonlyArray<SettledRow>) =>
      Effect.suspend(() => {
        for (const item of items) item.done = true
        return emit({ _tag: "RowsSettled", batch, rows })
      })

    const accepted = (items: ReadonlyArray<Batcher.Item>): ReadonlyArray<SettledRow> =>
      items.map((item) => ({ position: item.position, key: item.key, outcome: "accepted" }))

    const settleAccepted = (parts: ReadonlyArray<Deliver.AcceptedPart>) =>
      parts.length === 1
        ? settle(parts[0]!.batch, parts[0]!.items, accepted(parts[0]!.items))
        : Effect.forEach(parts, (part) => settle(part.batch, part.items, accepted(part.items)), {
            discard: true,
          })

    const deliver = (batch: Batch): Effect.Effect<ReadonlyArray<Deliver.AcceptedPart>, Deliver.Fatal> =>
      Effect.flatMap(ordering.register(batch.seq, batch.cut), (ticket) =>
        Ordering.awaitTurn(ticket).pipe(
          Effect.zipRight(Deliver.send(env, batch.seq, batch.cut.items)),
          // Not `Effect.ensuring` (an uninterruptible region per batch, see above); an
          // interruption skips the release, but it only comes when the whole run is stopping.
          Effect.matchCauseEffect({
            onFailure: (cause) => {
              ordering.release(ticket)
              return Effect.failCause(cause)
            },
            onSuccess: (parts) => {
              ordering.release(ticket)
              return Effect.as(results === undefined ? settleAccepted(parts) : Effect.void, parts)
            },
          }),
        ),
      )

    const applyReport = (part: Deliver.AcceptedPart, report: BatchReport) => {
      const byIndex = new Map(report.results.map((result) => [result.index, result]))
      const learned: Array<Ledger.LearnedId> = []
      const rows = part.items.map((item, i): SettledRow => {
        const result = byIndex.get(i)
        if (result === undefined) return { position: item.position, key: item.key, outcome: "accepted" }
        if (result.contactId !== null) {
          const contactId = parseInt64Text(result.contactId)
          if (typeof contactId === "number") learned.push({ key: item.key, contactId })
        }
        return {
          position: item.position,
          key: item.key,
          outcome: result.outcome,
          contactId: result.contactId ?? undefined,
          reason: result.reason,
        }
      })
      const settled = settle(part.batch, part.items, rows)
      return ledger === undefined || learned.length === 0
        ? settled
        : Effect.zipRight(
            ledger.recordContactIds(target, learned).pipe(Effect.mapError(ledgerFailed)),
            settled,
          )
    }

    const awaitResults = (part: Deliver.AcceptedPart): Effect.Effect<void, Deliver.Fatal> =>
      results === undefined
        ? Effect.void
        : Effect.flatMap(results.await(part.batchId, options.resultsTimeout ?? "5 minutes"), (report) =>
            Option.isSome(report)
              ? applyReport(part, report.value)
              : Effect.zipRight(
                  emit({
                    _tag: "ResultsMissing",
                    batch: part.batch,
                    batchId: part.batchId,
                    size: part.items.length,
                  }),
                  settle(part.batch, part.items, accepted(part.items)),
                ),
          )

    const resultsPool = yield* Pool.make(options.resultsConcurrency ?? 64, awaitResults)
    const sendPool = yield* Pool.make(concurrency, (batch: Batch) =>
      results === undefined
        ? Effect.asVoid(deliver(batch))
        : Effect.flatMap(deliver(batch), (parts) =>
            Effect.forEach(parts, resultsPool.offer, { discard: true }),
          ),
    )
    // The source is read chunk by chunk straight into `handle` (no stream buffer in between, so
    // rows are not held before they are mapped); a timer flushes a partial batch when the source
    // is idle. The two must not interleave, so that batches reach the senders in the order they
    // were formed. Not with a lock: a Semaphore's uninterruptible region per chunk left every
    // row reachable from older fiber state, so all rows were promoted to the old generation
    // (measured: ~200 bytes per row, scavenges 5x as long). Instead the timer skips its turn
    // while a chunk is being handled (the source is not idle then), a chunk waits for a running
    // flush, and batches not yet taken stay in `unsent` for the next one to send.
    let handlingChunk = false
    let flushing: Deferred.Deferred<void> | undefined
    const handleChunk = (rows: Chunk.Chunk<SourceRow>): Effect.Effect<void, Deliver.Fatal> =>
      Effect.suspend(() => {
        if (flushing !== undefined) return Effect.zipRight(Deferred.await(flushing), handleChunk(rows))
        handlingChunk = true
        return Effect.zipRight(
          handle({ _tag: "Rows", rows }),
          Effect.map(sendPool.drain(unsent), () => {
            handlingChunk = false
          }),
        )
      })
    const flushIfIdle: Effect.Effect<void, Deliver.Fatal> = Effect.suspend(() => {
      if (handlingChunk) return Effect.void
      const done = Deferred.unsafeMake<void>(FiberId.none)
      flushing = done
      return Effect.ensuring(
        Effect.zipRight(handle({ _tag: "Tick" }), sendPool.drain(unsent)),
        Effect.sync(() => {
          flushing = undefined
          Deferred.unsafeDone(done, Exit.void)
        }),
      )
    })
    // Pulled chunk by chunk rather than `Stream.runForEachChunk`, whose channel machinery kept
    // every chunk it had passed reachable from older ones: all rows read were promoted to the
    // old generation (measured: ~210 bytes per row, 2x the time of reading the source).
    const sourceFailed = (error: E) =>
      new Deliver.Fatal({
        reason: "SourceFailed",
        message: `the source failed: ${messageOf(error)}`,
        cause: error,
      })
    const readSource = Effect.scoped(
      Effect.flatMap(Stream.toPull(options.source), (pull) => {
        const loop: Effect.Effect<void, Deliver.Fatal, R> = Effect.matchEffect(pull, {
          onFailure: (error) => (Option.isNone(error) ? Effect.void : Effect.fail(sourceFailed(error.value))),
          onSuccess: (rows) => Effect.zipRight(handleChunk(rows), loop),
        })
        return loop
      }),
    )
    const idleFlush = Effect.forever(
      Effect.zipRight(Effect.sleep(options.flushAfter ?? "1 second"), flushIfIdle),
    )
    const produce = Effect.raceFirst(readSource, idleFlush).pipe(
      Effect.zipRight(handle({ _tag: "End" })),
      Effect.zipRight(Effect.suspend(() => sendPool.drain(unsent))),
      Effect.zipRight(sendPool.close),
    )
    const drained: Effect.Effect<void, Deliver.Fatal, R> =
      results === undefined
        ? Effect.all([produce, sendPool.run], { concurrency: "unbounded", discard: true })
        : Effect.all([produce, Effect.zipRight(sendPool.run, resultsPool.close), resultsPool.run], {
            concurrency: "unbounded",
            discard: true,
          })

    const startedAt = yield* Clock.currentTimeMillis
    yield* emit({ _tag: "Started", name: options.name, batchSize, concurrency })
    const exit = yield* Effect.exit(drained)

    if (Exit.isFailure(exit)) {
      const fatal = Option.getOrUndefined(Cause.failureOption(exit.cause))
      const reason = fatal?.reason ?? "Interrupted"
      const message = fatal?.message ?? "the sync was interrupted"
      yield* emit({ _tag: "Stopped", reason, message })
      yield* settleAfterStop(message)
      const report = accumulator.report()
      if (fatal === undefined) return yield* Effect.die(Cause.squash(exit.cause))
      yield* recordRun(report)
      return yield* new SyncError({
        reason: fatal.reason,
        message: `sync "${options.name}" stopped: ${message}`,
        report,
        cause: fatal.cause,
      })
    }
    const report = accumulator.report()
    yield* recordRun(report)
    return report

    function settleAfterStop(message: string) {
      return Effect.gen(function* () {
        const notSent = `not sent: the sync stopped (${message})`
        for (const { seq: batch, cut } of open) {
          const items = cut.items
          const wereAccepted = items.filter((item) => !item.done && item.accepted)
          if (wereAccepted.length > 0) yield* settle(batch, wereAccepted, accepted(wereAccepted))
          const notAccepted = items.filter((item) => !item.done)
          for (const item of notAccepted) item.done = true
          if (notAccepted.length > 0)
            yield* emit({
              _tag: "RowsFailed",
              batch,
              rows: notAccepted.map((item) => ({
                position: item.position,
                key: item.key,
                contact: item.contact,
                error: notSent,
              })),
            })
        }
        const waiting: Array<{ readonly position: string; readonly key: string; readonly contact: Contact }> =
          [...transit]
        transit = []
        for (const item of batcher.waiting())
          if (!item.done) {
            item.done = true
            waiting.push(item)
          }
        if (waiting.length > 0)
          yield* emit({
            _tag: "RowsFailed",
            batch: 0,
            rows: waiting.map((item) => ({
              position: item.position,
              key: item.key,
              contact: item.contact,
              error: notSent,
            })),
          })
      })
    }

    function recordRun(report: SyncReport.SyncReport) {
      return Effect.gen(function* () {
        if (ledger === undefined) return
        const finishedAt = yield* Clock.currentTimeMillis
        yield* ledger
          .recordRun(target, { startedAt, finishedAt, report })
          .pipe(Effect.mapError((error) => syncLedgerFailed(error, report)))
      })
    }
  })
