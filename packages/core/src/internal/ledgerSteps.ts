/**
 * What one run reads from and writes to the ledger, for one target: the entries of a chunk's keys
 * (the diff), the rows a 202 accepted (before they count as accepted), the rows that failed (dead
 * letters), the contactIds a report told, and the run's record. A ledger failure stops the sync:
 * during the run as a `Fatal` with reason `LedgerFailed`, at the end as a `SyncError`.
 */
import { Clock, Effect } from "effect"
import * as Ledger from "../Ledger.js"
import { ledgerFailed as syncLedgerFailed, type SyncError } from "../SyncError.js"
import type { SyncReport } from "../SyncReport.js"
import type { Item } from "./batcher.js"
import { type AcceptedPart, Fatal } from "./deliver.js"

export interface LedgerSteps {
  readonly lookup: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, Ledger.Entry>, Fatal>
  readonly recordAccepted: (part: AcceptedPart) => Effect.Effect<void, Fatal>
  readonly recordFailed: (items: ReadonlyArray<Item>, error: string) => Effect.Effect<void, Fatal>
  readonly recordContactIds: (learned: ReadonlyArray<Ledger.LearnedId>) => Effect.Effect<void, Fatal>
  /** Records the run, finished now; a failure carries the report. */
  readonly recordRun: (startedAt: number, report: SyncReport) => Effect.Effect<void, SyncError>
}

const failed = (error: Ledger.LedgerError) =>
  new Fatal({ reason: "LedgerFailed", message: Ledger.failedMessage(error), cause: error })

export const make = (ledger: Ledger.Service, target: Ledger.Target): LedgerSteps => ({
  lookup: (keys) => ledger.lookup(target, keys).pipe(Effect.mapError(failed)),
  recordAccepted: (part) =>
    ledger
      .recordAccepted(
        target,
        part.batchId,
        part.items.map((item) => ({ key: item.key, hash: item.hash, contact: item.mapped })),
      )
      .pipe(Effect.mapError(failed)),
  recordFailed: (items, error) =>
    ledger
      .recordDeadLetters(
        target,
        items.map((item) => ({ key: item.key, position: item.position, contact: item.contact, error })),
      )
      .pipe(Effect.mapError(failed)),
  recordContactIds: (learned) => ledger.recordContactIds(target, learned).pipe(Effect.mapError(failed)),
  recordRun: (startedAt, report) =>
    Effect.flatMap(Clock.currentTimeMillis, (finishedAt) =>
      ledger
        .recordRun(target, { startedAt, finishedAt, report })
        .pipe(Effect.mapError((error) => syncLedgerFailed(error, report))),
    ),
})
