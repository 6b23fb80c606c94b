/**
 * Settlement: the final outcome of every row after its 202, and of every row still open when the
 * sync stops. Without a results service, accepted rows end `accepted` at once; with one, a pool
 * of workers awaits each accepted part's report and settles its rows by it (`inserted`,
 * `updated`, `skipped`, or `accepted` when the report names no result for the row or never comes),
 * giving the contactIds learned to the ledger first.
 *
 * Each request is told to the results service at its 202 (`announcing`: the sink's answer, before
 * anything else, so that a report the CRM posts at once finds its batch), so that the service
 * hands over only a report that fits it (see `BatchResults.check`), the first one: its rows settle once, so a
 * later report for the batch cannot change them. A contactId is learned only for an `inserted` or
 * `updated` row, and only when no other row of the batch got the same one: rows one report
 * resolves to one contact are told as merged and learn nothing (a CRM refuses such a batch with a
 * 409, so only a forgery that fits gives it), so the next run sends them without a contactId and
 * the CRM matches them as it did, never one row's values to another row's contact. A row whose own
 * report gives it the contact an earlier row of another key got (`RecentContacts`) is told as
 * merged too, and learns it: the CRM confirmed each key's contact in its own report. (Rows of one
 * email are told at admission already, so they are not told again.) The reports the service
 * refused are told as `ReportsRefused`.
 *
 * A row's `done` flag is set with its terminal event, here as in `Deliver` and `Admission`, so a
 * stop settles only the rows that have none yet.
 */
import { Duration, Effect, Option } from "effect"
import type { BatchReport } from "../BatchReport.js"
import type { Service as Sink } from "../ContactSink.js"
import type * as BatchResults from "../BatchResults.js"
import { parseInt64Text } from "../Int64.js"
import type { LearnedId } from "../Ledger.js"
import type { PassedRow, SettledRow, SyncEvent } from "../SyncEvent.js"
import type { Unbatched } from "./admission.js"
import type { Item } from "./batcher.js"
import type { AcceptedPart, Fatal } from "./deliver.js"
import type { Batch } from "./openBatches.js"
import * as Pool from "./pool.js"
import * as RecentContacts from "./recentContacts.js"

export interface Settlement {
  /** Takes the parts of a batch that got their 202 on to their rows' outcomes. */
  readonly delivered: (parts: ReadonlyArray<AcceptedPart>) => Effect.Effect<void>
  /** The workers awaiting reports, with a results service: run them beside the senders, close them after. */
  readonly awaiting: Pool.Pool<AcceptedPart, Fatal> | undefined
  /**
   * After a stop: rows of `open` batches without an outcome end `accepted` if they had their 202,
   * `failed` ("not sent") if not, then the rows `strand` gives (held or waiting) end `failed`.
   */
  readonly afterStop: (
    message: string,
    open: ReadonlyArray<Batch>,
    strand: () => ReadonlyArray<Unbatched>,
  ) => Effect.Effect<void>
}

export interface Config {
  readonly emit: (event: SyncEvent) => Effect.Effect<void>
  readonly results: BatchResults.Service | undefined
  readonly resultsTimeout: Duration.DurationInput
  readonly resultsConcurrency: number
  /** Gives the ledger the contactIds a report told; undefined without a ledger. */
  readonly recordContactIds: ((learned: ReadonlyArray<LearnedId>) => Effect.Effect<void, Fatal>) | undefined
}

const accepted = (items: ReadonlyArray<Item>): ReadonlyArray<SettledRow> =>
  items.map((item) => ({ position: item.position, key: item.key, outcome: "accepted" }))

/** The rows of `part` as its report tells them, the contactIds it taught, and the rows it merged. */
const byReport = (part: AcceptedPart, report: BatchReport, recent: RecentContacts.RecentContacts) => {
  const byIndex = new Map(report.results.map((result) => [result.index, result]))
  const rowsOf = new Map<number, Array<Item>>()
  const rows = part.items.map((item, i): SettledRow => {
    const result = byIndex.get(i)
    if (result === undefined) return { position: item.position, key: item.key, outcome: "accepted" }
    if (result.contactId !== null && result.outcome !== "skipped") {
      const contactId = parseInt64Text(result.contactId)
      if (typeof contactId === "number") {
        const same = rowsOf.get(contactId)
        if (same === undefined) rowsOf.set(contactId, [item])
        else same.push(item)
      }
    }
    return {
      position: item.position,
      key: item.key,
      outcome: result.outcome,
      contactId: result.contactId ?? undefined,
      reason: result.reason,
    }
  })
  const learned: Array<LearnedId> = []
  const merged: Array<PassedRow> = []
  for (const [contactId, items] of rowsOf) {
    if (items.length === 1) {
      const item = items[0]!
      learned.push({ key: item.key, contactId })
      const email = comparable(item.contact.email)
      const earlier = recent.claim(contactId, { key: item.key, email })
      if (earlier !== undefined && (email === undefined || earlier.email !== email))
        merged.push({ position: item.position, key: item.key })
    } else for (const item of items.slice(1)) merged.push({ position: item.position, key: item.key })
  }
  return { rows, learned, merged }
}

const comparable = (email: string | null | undefined) =>
  email == null ? undefined : email.trim().toLowerCase()

export const make = (config: Config): Effect.Effect<Settlement> =>
  Effect.gen(function* () {
    const { emit, results, recordContactIds } = config
    const recent = RecentContacts.make()

    // The per-batch path is built from combinators, not `Effect.gen`: a generator per batch kept
    // the batch's rows reachable after it was done (see `Deliver.send`).
    const settle = (batch: number, items: ReadonlyArray<Item>, rows: ReadonlyArray<SettledRow>) =>
      Effect.suspend(() => {
        for (const item of items) item.done = true
        return emit({ _tag: "RowsSettled", batch, rows })
      })

    const settleAccepted = (parts: ReadonlyArray<AcceptedPart>) =>
      parts.length === 1
        ? settle(parts[0]!.batch, parts[0]!.items, accepted(parts[0]!.items))
        : Effect.forEach(parts, (part) => settle(part.batch, part.items, accepted(part.items)), {
            discard: true,
          })

    const applyReport = (part: AcceptedPart, report: BatchReport) => {
      const { rows, learned, merged } = byReport(part, report, recent)
      const settled =
        merged.length === 0
          ? settle(part.batch, part.items, rows)
          : Effect.zipRight(emit({ _tag: "RowsMerged", rows: merged }), settle(part.batch, part.items, rows))
      return recordContactIds === undefined || learned.length === 0
        ? settled
        : Effect.zipRight(recordContactIds(learned), settled)
    }

    const tellRefused = (results: BatchResults.Service): Effect.Effect<void> =>
      results.takeRefused === undefined
        ? Effect.void
        : Effect.flatMap(results.takeRefused, (refused) =>
            refused.count === 0
              ? Effect.void
              : emit({ _tag: "ReportsRefused", count: refused.count, reports: refused.reports }),
          )

    const awaitReport = (results: BatchResults.Service, part: AcceptedPart): Effect.Effect<void, Fatal> =>
      Effect.flatMap(results.await(part.batchId, config.resultsTimeout), (report) =>
        Effect.zipRight(
          tellRefused(results),
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
        ),
      )

    const pool =
      results === undefined
        ? undefined
        : yield* Pool.make(config.resultsConcurrency, (part: AcceptedPart) => awaitReport(results, part))
    // Reports refused after the last batch settled are told too, before the run's report is made.
    const awaiting =
      results === undefined || pool === undefined
        ? undefined
        : { ...pool, run: Effect.zipRight(pool.run, tellRefused(results)) }

    const afterStop = (message: string, open: ReadonlyArray<Batch>, strand: () => ReadonlyArray<Unbatched>) =>
      Effect.gen(function* () {
        const notSent = `not sent: the sync stopped (${message})`
        for (const { seq: batch, cut } of open) {
          const items = cut.items
          const wereAccepted = items.filter((item) => !item.done && item.accepted)
          if (wereAccepted.length > 0) yield* settle(batch, wereAccepted, accepted(wereAccepted))
          const notAccepted = items.filter((item) => !item.done)
          for (const item of notAccepted) item.done = true
          if (notAccepted.length > 0)
            yield* emit({ _tag: "RowsFailed", batch, rows: failed(notAccepted, notSent) })
        }
        const unbatched = strand()
        if (unbatched.length > 0)
          yield* emit({ _tag: "RowsFailed", batch: 0, rows: failed(unbatched, notSent) })
      })

    return {
      delivered:
        awaiting === undefined
          ? settleAccepted
          : (parts) => Effect.forEach(parts, awaiting.offer, { discard: true }),
      awaiting,
      afterStop,
    }
  })

/**
 * `sink`, telling `results` each request it got a 202 for (its batch id, list and contactIds as
 * sent) as the answer comes; `sink` itself without a results service that checks.
 */
export const announcing = (sink: Sink, results: BatchResults.Service | undefined): Sink => {
  const expect = results?.expect
  if (expect === undefined) return sink
  return {
    ...sink,
    upsert: (request) =>
      Effect.tap(sink.upsert(request), (accepted) =>
        expect({
          batchId: accepted.data.batchId,
          listId: request.listId ?? null,
          contactIds: request.createUpdateContacts.map((contact) => contact.contactId ?? undefined),
        }),
      ),
  }
}

const failed = (rows: ReadonlyArray<Unbatched>, error: string) =>
  rows.map((row) => ({ position: row.position, key: row.key, contact: row.contact, error }))
