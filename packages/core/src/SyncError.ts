/** Why a sync stopped before its end. Rows that were not yet accepted are `failed` in `report`. */
import { Data } from "effect"
import type { SyncReport } from "./SyncReport.js"

export type Reason =
  /** The options or the mapping cannot be used; nothing was read or sent. */
  | "InvalidConfig"
  /** The source stream failed. */
  | "SourceFailed"
  /** 401: the CRM does not accept the token. */
  | "Unauthorized"
  /** 406: the CRM refuses the request's content negotiation. */
  | "NotAcceptable"
  /** The ledger could not be read or written. */
  | "LedgerFailed"
  /** Another run of the same sync holds the ledger's lease. */
  | "AlreadyRunning"

export class SyncError extends Data.TaggedError("SyncError")<{
  readonly reason: Reason
  readonly message: string
  /** The report up to the stop, when the run had started. */
  readonly report?: SyncReport | undefined
  readonly cause?: unknown
}> {}
