/**
 * Why a sync stopped before its end. Rows that were not yet accepted are `failed` in `report`.
 *
 * @since 0.1.0
 * @module
 */
import { Data } from "effect"
import * as Ledger from "./Ledger.js"
import type { SyncReport } from "./SyncReport.js"

/**
 * Why a sync stopped: the `reason` of a `SyncError`.
 *
 * @since 0.1.0
 * @category models
 */
export type Reason =
  /** The options or the mapping cannot be used (a mapped column the source does not have, ...); nothing was sent. */
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
  /** The CRM reported properties it does not know (their values were dropped) and `allowUnknownProperties` is off: the run stopped after that batch. */
  | "UnknownProperties"
  /** More rows were rejected than `maxRejectRate` allows. */
  | "RejectRate"

/**
 * The error of `Sync.run`: the run stopped before its end for `reason`; `report` counts what it
 * did until then.
 *
 * @since 0.1.0
 * @category errors
 */
export class SyncError extends Data.TaggedError("SyncError")<{
  readonly reason: Reason
  readonly message: string
  /** The report up to the stop, when the run had started. */
  readonly report?: SyncReport | undefined
  readonly cause?: unknown
}> {}

/**
 * The `SyncError` of a run stopped by its ledger (`LedgerFailed`), with the report so far.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ledgerFailed = (
  error: { readonly message: string },
  report?: SyncReport | undefined,
): SyncError =>
  new SyncError({ reason: "LedgerFailed", message: Ledger.failedMessage(error), report, cause: error })

/**
 * The one-line message of any failure: its `message` when it has one, else its text.
 *
 * @since 0.1.0
 * @category utils
 */
export const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)
