/**
 * What a run's result means for the command: the report it ends with, the exit code, and why the
 * code is not 0 in one line. The policy: the CRM refusing us (401, 406) is 3; another run holding
 * the state file's lease is 4; a configuration the sink or the webhook receiver cannot use, or a
 * property the CRM does not know, is 2; a failed sync, a failed row, a reject rate above the
 * limit, a state file or another file that could not be written is 1.
 */
import { Ledger, type SyncError, type SyncReport } from "@brainsync/core"
import { Either } from "effect"
import * as Exit from "./exit.js"
import * as Format from "./format.js"
import type { LayerError } from "./runLayers.js"

/** A run's failure: the sync's own, or that of a layer the configuration made. */
export type RunError = SyncError.SyncError | LayerError

export interface Ending {
  readonly report: SyncReport.SyncReport
  readonly code: number
  /** Why the code is not 0, in one line. */
  readonly message: string | undefined
}

export interface Context {
  /** The counts so far, for a sync that failed without a report. */
  readonly counts: () => SyncReport.SyncReport
  /** The configuration's state file: dead letters can then be retried. */
  readonly state: string | undefined
}

/** The source failed before any request left: an input the command cannot use, not a failed sync. */
export const failedBeforeSending = (error: SyncError.SyncError): boolean =>
  error.reason === "SourceFailed" && (error.report?.requests ?? 0) === 0

/**
 * A stop's exit code: refused 3; the state held by another run 4; a configuration that does not
 * fit the source or the CRM 2, and so is a source that failed before anything was sent (an empty
 * CSV, a header it cannot use); the rest 1.
 */
export const codeOf = (error: SyncError.SyncError): number => {
  if (failedBeforeSending(error)) return Exit.USAGE
  switch (error.reason) {
    case "Unauthorized":
    case "NotAcceptable":
      return Exit.REFUSED
    case "InvalidConfig":
    case "UnknownProperties":
      return Exit.USAGE
    case "AlreadyRunning":
      return Exit.STATE_HELD
    case "RejectRate":
    case "SourceFailed":
    case "LedgerFailed":
      return Exit.ROWS_FAILED
  }
}

/**
 * A state file that failed during the run (a full disk, a file turned read-only): which file and
 * why, what it holds (every batch the CRM accepted before), and what the next run does (sends the
 * rest again: the CRM updates the contacts it already has).
 */
const stateFailed = (error: SyncError.SyncError, state: string, report: SyncReport.SyncReport): string => {
  const why = error.cause instanceof Ledger.LedgerError ? error.cause.message : error.message
  const recorded = report.inserted + report.updated + report.skipped + report.accepted
  return (
    `the state file ${state} could not be used (${why}): it holds the ${Format.count(recorded)} rows the CRM ` +
    `accepted in this run and those of earlier runs; the other rows are not recorded, and the next run sends ` +
    `them again once the file can be written (free disk space, or make it writable)`
  )
}

const describe = (error: SyncError.SyncError, context: Context, report: SyncReport.SyncReport): string =>
  error.reason === "Unauthorized"
    ? `the CRM refused the token (401): ${error.message}`
    : error.reason === "NotAcceptable"
      ? `the CRM refused the request (406): ${error.message}`
      : error.reason === "LedgerFailed" && context.state !== undefined
        ? stateFailed(error, context.state, report)
        : error.message

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/**
 * The rows' verdict on a run that went through: failed rows end it 1. (A reject rate above the
 * limit is the sync's own stop, `RejectRate`, checked during the run and at its end.)
 */
const judge = (report: SyncReport.SyncReport, context: Context): Ending =>
  report.failed > 0
    ? {
        report,
        code: Exit.ROWS_FAILED,
        message: `${plural(report.failed, "row")} could not be delivered (kept as dead letters${context.state === undefined ? "" : "; brainsync retry sends them again"})`,
      }
    : { report, code: Exit.OK, message: undefined }

/** The ending of a run from its result; a layer's configuration error stops the command (exit 2). */
export const decide = (
  result: Either.Either<SyncReport.SyncReport, RunError>,
  context: Context,
): Either.Either<Ending, Exit.CliFailure> => {
  if (Either.isRight(result)) return Either.right(judge(result.right, context))
  const error = result.left
  if (error._tag !== "SyncError") return Either.left(Exit.usage(error.message))
  const report = error.report ?? context.counts()
  return Either.right({ report, code: codeOf(error), message: describe(error, context, report) })
}

/** A file that could not be written turns a clean run into a failed one (exit 1). */
export const afterWrites = (ending: Ending, problem: string | undefined): Ending =>
  problem !== undefined && ending.code === Exit.OK
    ? { report: ending.report, code: Exit.ROWS_FAILED, message: problem }
    : ending
