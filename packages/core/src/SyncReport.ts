/**
 * The outcome of one sync run: the fold of its events. Every row read ends in exactly one of the
 * terminal counts, so `rejected + superseded + unchanged + skipped + inserted + updated + accepted
 * + failed === read` (`isComplete`). Rejected and failed rows are kept with their positions up to
 * `keep` each (follow the events for all of them), so a report of a 1M-row run stays small.
 *
 * @since 0.1.0
 * @module
 */
import type { FailedRow, RejectedRow, SyncEvent, WarnedRow } from "./SyncEvent.js"

/**
 * Rows read, and how many of them ended in each outcome.
 *
 * @since 0.1.0
 * @category models
 */
export interface Counts {
  readonly read: number
  readonly rejected: number
  readonly superseded: number
  readonly unchanged: number
  readonly inserted: number
  readonly updated: number
  /** Skipped by the CRM (unknown contactId, ...), or left out by the sync mode. */
  readonly skipped: number
  /** Accepted (202), final result not known (no results service, or the report did not arrive in time). */
  readonly accepted: number
  /** Not delivered: retries exhausted or the sync stopped; see `failedRows` and the `RowsFailed` events. */
  readonly failed: number
}

/**
 * The report of one run: the counts, the requests it took, the first rejected and failed rows,
 * and why it stopped when it did.
 *
 * @since 0.1.0
 * @category models
 */
export interface SyncReport extends Counts {
  readonly name: string
  readonly batches: number
  /** Requests sent, including retries and the parts of split batches. */
  readonly requests: number
  readonly retries: number
  readonly rateLimited: number
  readonly splits: number
  readonly deferred: number
  readonly responsesLost: number
  readonly resultsMissing: number
  /** Rejected rows with position, field and reason: the first `keep` of them. */
  readonly rejectedRows: ReadonlyArray<RejectedRow>
  /** Failed rows with the contact and last error: the first `keep` of them. */
  readonly failedRows: ReadonlyArray<FailedRow>
  /** Rows the CRM accepted with something dropped (unknown properties or contactId); not an outcome. */
  readonly warned: number
  /** Warned rows with the field and why: the first `keep` of them. */
  readonly warnedRows: ReadonlyArray<WarnedRow>
  /** The properties (names or ids) the CRM said it does not know, each once. */
  readonly unknownProperties: ReadonlyArray<string>
  /**
   * Rows whose key differs from an earlier row's but whose email is the same, or that their batch's
   * report gave the contact of another row: one contact in the CRM.
   */
  readonly merged: number
  /** Batch reports refused (not fitting their batch, or for no batch awaited): never applied. */
  readonly reportsRefused: number
  /** Set when the run stopped on a fatal error. */
  readonly stopped: { readonly reason: string; readonly message: string } | undefined
}

/**
 * How many rejected and failed rows a report keeps by default.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_KEEP = 1000

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
type MutableReport = Omit<
  Mutable<SyncReport>,
  "rejectedRows" | "failedRows" | "warnedRows" | "unknownProperties"
> & {
  rejectedRows: Array<RejectedRow>
  failedRows: Array<FailedRow>
  warnedRows: Array<WarnedRow>
  unknownProperties: Array<string>
}

/**
 * The report of a run that has not read anything yet.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty = (name: string): SyncReport => ({
  name,
  read: 0,
  rejected: 0,
  superseded: 0,
  unchanged: 0,
  inserted: 0,
  updated: 0,
  skipped: 0,
  accepted: 0,
  failed: 0,
  batches: 0,
  requests: 0,
  retries: 0,
  rateLimited: 0,
  splits: 0,
  deferred: 0,
  responsesLost: 0,
  resultsMissing: 0,
  rejectedRows: [],
  failedRows: [],
  warned: 0,
  warnedRows: [],
  unknownProperties: [],
  merged: 0,
  reportsRefused: 0,
  stopped: undefined,
})

/**
 * A mutable accumulator for the fold, so that a run of 1M rows does not copy the report per
 * event. `add` applies one event; `report` is a snapshot.
 *
 * @since 0.1.0
 * @category folding
 */
export const accumulator = (name: string, keep: number = DEFAULT_KEEP) => {
  const state: MutableReport = {
    ...empty(name),
    rejectedRows: [],
    failedRows: [],
    warnedRows: [],
    unknownProperties: [],
  }
  const unknown = new Set<string>()
  const add = (event: SyncEvent): void => {
    switch (event._tag) {
      case "RowsRead":
        state.read += event.count
        return
      case "RowsRejected":
        state.rejected += keepSome(state.rejectedRows, event.rows, keep)
        return
      case "RowsSuperseded":
        state.superseded += event.rows.length
        return
      case "RowsUnchanged":
        state.unchanged += event.rows.length
        return
      case "RowsSkipped":
        state.skipped += event.rows.length
        return
      case "RowsSettled":
        for (const row of event.rows) state[row.outcome]++
        return
      case "RowsFailed":
        state.failed += keepSome(state.failedRows, event.rows, keep)
        return
      case "BatchFormed":
        state.batches++
        return
      case "BatchSent":
        state.requests++
        return
      case "BatchRetrying":
        state.retries++
        return
      case "RateLimited":
        state.rateLimited++
        return
      case "BatchSplit":
        state.splits++
        return
      case "RowsDeferred":
        state.deferred += event.count
        return
      case "ResponseLost":
        state.responsesLost++
        return
      case "ResultsMissing":
        state.resultsMissing++
        return
      case "RowsWarned":
        for (const row of event.rows)
          if (row.field !== "contactId" && !unknown.has(row.field)) {
            unknown.add(row.field)
            state.unknownProperties.push(row.field)
          }
        keepSome(state.warnedRows, event.rows, keep)
        state.warned += rowsIn(event.rows)
        return
      case "RowsMerged":
        state.merged += event.rows.length
        return
      case "ReportsRefused":
        state.reportsRefused += event.count
        return
      case "Stopped":
        state.stopped = { reason: event.reason, message: event.message }
        return
      case "Started":
      case "BatchAccepted":
      case "Finished":
        return
    }
  }
  const report = (): SyncReport => ({
    ...state,
    rejectedRows: [...state.rejectedRows],
    failedRows: [...state.failedRows],
    warnedRows: [...state.warnedRows],
    unknownProperties: [...state.unknownProperties],
  })
  /** The counts so far, without copying the kept rows: read it, do not keep it. */
  const current = (): SyncReport => state
  return { add, report, current } as const
}

/** Rows among warnings, a row's warnings being next to each other. */
const rowsIn = (warnings: ReadonlyArray<WarnedRow>): number => {
  let rows = 0
  for (let i = 0; i < warnings.length; i++)
    if (i === 0 || warnings[i]!.position !== warnings[i - 1]!.position) rows++
  return rows
}

/** Keeps the first of `rows` while `into` holds fewer than `keep`; gives how many rows there were. */
const keepSome = <A>(into: Array<A>, rows: ReadonlyArray<A>, keep: number): number => {
  for (let i = 0; i < rows.length && into.length < keep; i++) into.push(rows[i]!)
  return rows.length
}

/**
 * Folds a finished list of events (for tests and replays); `Sync.run` folds as it goes.
 *
 * @since 0.1.0
 * @category folding
 */
export const fold = (name: string, events: Iterable<SyncEvent>, keep: number = DEFAULT_KEEP): SyncReport => {
  const acc = accumulator(name, keep)
  for (const event of events) acc.add(event)
  return acc.report()
}

/**
 * The report without the rows it keeps (`rejectedRows`, `failedRows`, `warnedRows`): its counts,
 * as a summary line or a run's history gives them.
 *
 * @since 0.1.0
 * @category utils
 */
export const countsOnly = (
  report: SyncReport,
): Omit<SyncReport, "rejectedRows" | "failedRows" | "warnedRows"> => {
  const { rejectedRows: _rejected, failedRows: _failed, warnedRows: _warned, ...counts } = report
  return counts
}

/**
 * The rows that reached a terminal outcome.
 *
 * @since 0.1.0
 * @category utils
 */
export const settled = (report: Counts): number =>
  report.rejected +
  report.superseded +
  report.unchanged +
  report.inserted +
  report.updated +
  report.skipped +
  report.accepted +
  report.failed

/**
 * Every row read has exactly one outcome.
 *
 * @since 0.1.0
 * @category utils
 */
export const isComplete = (report: Counts): boolean => settled(report) === report.read

const plural = (count: number, noun: string) =>
  `${count} ${count === 1 ? noun : noun.endsWith("y") ? `${noun.slice(0, -1)}ies` : noun.endsWith("h") ? `${noun}es` : `${noun}s`}`

/**
 * One line for a log: `crm-contacts: 3000 read · 2950 inserted · ... · 12 requests`.
 *
 * @since 0.1.0
 * @category utils
 */
export const summary = (report: SyncReport): string => {
  const parts = [
    `${report.read} read`,
    ...(
      ["inserted", "updated", "skipped", "accepted", "unchanged", "superseded", "rejected", "failed"] as const
    )
      .filter((outcome) => report[outcome] > 0)
      .map((outcome) => `${report[outcome]} ${outcome}`),
    `${plural(report.requests, "request")} in ${plural(report.batches, "batch")}`,
  ]
  if (report.retries > 0) parts.push(plural(report.retries, "retry"))
  if (report.rateLimited > 0) parts.push(`${report.rateLimited} rate-limited`)
  if (report.warned > 0)
    parts.push(
      `${plural(report.warned, "row")} with warnings${report.unknownProperties.length > 0 ? ` (unknown properties: ${report.unknownProperties.join(", ")})` : ""}`,
    )
  if (report.merged > 0) parts.push(`${report.merged} merged`)
  if (report.reportsRefused > 0) parts.push(`${plural(report.reportsRefused, "webhook report")} refused`)
  const line = `${report.name}: ${parts.join(" · ")}`
  return report.stopped === undefined ? line : `${line} — STOPPED: ${report.stopped.message}`
}
