/**
 * What a running sync tells the world, in order: a progress display follows these, and the
 * `SyncReport` is their fold. Events are per chunk or per batch, never per row, so following them
 * costs little; the terminal ones carry the rows they settle, so a caller can keep every row's
 * outcome (write rejects to a file, dead letters to a table) without the sync holding them.
 *
 * Terminal events (each row appears in exactly one): `RowsRejected`, `RowsSuperseded`,
 * `RowsUnchanged`, `RowsSkipped`, `RowsSettled`, `RowsFailed`. Their row counts add up to the
 * `RowsRead` counts.
 *
 * @since 0.1.0
 * @module
 */
import type { Contact } from "./Contact.js"
import type { SyncReport } from "./SyncReport.js"

/**
 * A row that cannot be sent: by the mapping, or by the CRM (400/422 naming it).
 *
 * @since 0.1.0
 * @category models
 */
export interface RejectedRow {
  readonly position: string
  readonly key: string | undefined
  readonly field: string
  readonly reason: string
}

/**
 * A row the CRM took (202), with its final result when the results service delivered one.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettledRow {
  readonly position: string
  readonly key: string
  readonly outcome: "inserted" | "updated" | "skipped" | "accepted"
  readonly contactId?: string | undefined
  readonly reason?: string | undefined
}

/**
 * A row that could not be delivered: the dead-letter output, with what was to be sent and the last error.
 *
 * @since 0.1.0
 * @category models
 */
export interface FailedRow {
  readonly position: string
  readonly key: string
  readonly contact: Contact
  readonly error: string
}

/**
 * A row not sent on purpose: a later row with the same key won, or the ledger has it unchanged, or the
 * sync mode excludes it.
 *
 * @since 0.1.0
 * @category models
 */
export interface PassedRow {
  readonly position: string
  readonly key: string
}

/**
 * Something the CRM dropped from a row it accepted: a property it does not know (`field` is the
 * property's name or id), or a contactId it does not know (`field` is `contactId`). The row
 * keeps its outcome; the warning says what of it did not arrive.
 *
 * @since 0.1.0
 * @category models
 */
export interface WarnedRow {
  readonly position: string
  readonly key: string
  readonly field: string
  readonly reason: string
}

/**
 * One event of a run, told in order (see the module comment for the terminal ones).
 *
 * @since 0.1.0
 * @category models
 */
export type SyncEvent =
  | {
      readonly _tag: "Started"
      readonly name: string
      readonly batchSize: number
      readonly concurrency: number
    }
  /** A chunk of rows came from the source; `total` is the running count. */
  | { readonly _tag: "RowsRead"; readonly count: number; readonly total: number }
  | {
      readonly _tag: "RowsRejected"
      readonly by: "mapping" | "crm"
      readonly rows: ReadonlyArray<RejectedRow>
    }
  | { readonly _tag: "RowsSuperseded"; readonly rows: ReadonlyArray<PassedRow> }
  | { readonly _tag: "RowsUnchanged"; readonly rows: ReadonlyArray<PassedRow> }
  /** Rows left out by the sync mode (`update-only`: not in the ledger; `insert-only`: already in it). */
  | { readonly _tag: "RowsSkipped"; readonly reason: string; readonly rows: ReadonlyArray<PassedRow> }
  /** A batch was formed; `batch` numbers batches from 1 in the order they were formed. */
  | { readonly _tag: "BatchFormed"; readonly batch: number; readonly size: number }
  /** A request left; parts of a batch (after a split or a 409) keep the batch's number. */
  | { readonly _tag: "BatchSent"; readonly batch: number; readonly size: number; readonly attempt: number }
  | {
      readonly _tag: "BatchAccepted"
      readonly batch: number
      readonly batchId: string
      readonly size: number
    }
  | {
      readonly _tag: "BatchRetrying"
      readonly batch: number
      readonly attempt: number
      readonly delayMillis: number
      readonly error: string
    }
  | { readonly _tag: "RateLimited"; readonly batch: number; readonly waitMillis: number }
  /** A 400/422 without indices, or a body above `maxRequestBytes`: the batch is split in halves (to isolate the bad rows, or until each part fits). */
  | { readonly _tag: "BatchSplit"; readonly batch: number; readonly sizes: readonly [number, number] }
  /** A 409: rows moved out of the batch, to be sent after the rest was accepted. */
  | { readonly _tag: "RowsDeferred"; readonly batch: number; readonly count: number }
  /**
   * The response was lost after the request was sent (`TransportError.maybeApplied`): the CRM may
   * have applied the batch. It is resent; its rows carry an identity the CRM matches, so a resend updates rather than duplicates.
   */
  | { readonly _tag: "ResponseLost"; readonly batch: number; readonly size: number }
  | {
      readonly _tag: "ResultsMissing"
      readonly batch: number
      readonly batchId: string
      readonly size: number
    }
  | { readonly _tag: "RowsSettled"; readonly batch: number; readonly rows: ReadonlyArray<SettledRow> }
  | { readonly _tag: "RowsFailed"; readonly batch: number; readonly rows: ReadonlyArray<FailedRow> }
  /**
   * The CRM accepted the batch but reported properties or contactIds of these rows unknown (the
   * 202's `invalidPropertiesList` / `invalidContactIdList`). Not an outcome: the rows have theirs.
   * Rows with an unknown contactId, and with unknown properties when the run stops on them, are not
   * recorded in the ledger, so the next run sends them again; with `allowUnknownProperties` the rows
   * are recorded (the run goes on without those values, and does not send them again unchanged).
   */
  | { readonly _tag: "RowsWarned"; readonly batch: number; readonly rows: ReadonlyArray<WarnedRow> }
  /**
   * Rows whose key differs from an earlier row's of the run but whose email is the same (compared
   * as the CRM does: case-insensitively, trimmed): the CRM applies them to one contact. Not an outcome.
   */
  | { readonly _tag: "RowsMerged"; readonly rows: ReadonlyArray<PassedRow> }
  /** A fatal error (401, 406, the source failed): nothing more is sent. */
  | { readonly _tag: "Stopped"; readonly reason: string; readonly message: string }
  /** The last event of `Sync.events` when the run finished (a stopped run fails the stream after `Stopped` instead). */
  | { readonly _tag: "Finished"; readonly report: SyncReport }

/**
 * The `_tag` of an event.
 *
 * @since 0.1.0
 * @category models
 */
export type Tag = SyncEvent["_tag"]
/**
 * The event whose `_tag` is `T`.
 *
 * @since 0.1.0
 * @category models
 */
export type Of<T extends Tag> = Extract<SyncEvent, { readonly _tag: T }>
