/**
 * What a run's result means for the command: the report it ends with, the exit code, and why the
 * code is not 0 in one line. The policy: the CRM refusing us (401, 406) is 3; a configuration the
 * sink or the webhook receiver cannot use, or a property the CRM does not know, is 2; a failed
 * sync, a failed row, a reject rate above the limit or a file that could not be written is 1.
 */
import type { SyncError, SyncReport } from "@brainsync/core"
import { Either } from "effect"
import * as Exit from "./exit.js"
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

/** A stop's exit code: refused 3; a configuration that does not fit the source or the CRM 2; the rest 1. */
export const codeOf = (error: SyncError.SyncError): number => {
  switch (error.reason) {
    case "Unauthorized":
    case "NotAcceptable":
      return Exit.REFUSED
    case "InvalidConfig":
    case "UnknownProperties":
      return Exit.USAGE
    case "RejectRate":
    case "SourceFailed":
    case "LedgerFailed":
    case "AlreadyRunning":
      return Exit.ROWS_FAILED
  }
}

const describe = (error: SyncError.SyncError): string =>
  error.reason === "Unauthorized"
    ? `the CRM refused the token (401): ${error.message}`
    : error.reason === "NotAcceptable"
      ? `the CRM refused the request (406): ${error.message}`
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
  return Either.right({
    report: error.report ?? context.counts(),
    code: codeOf(error),
    message: describe(error),
  })
}

/** A file that could not be written turns a clean run into a failed one (exit 1). */
export const afterWrites = (ending: Ending, problem: string | undefined): Ending =>
  problem !== undefined && ending.code === Exit.OK
    ? { report: ending.report, code: Exit.ROWS_FAILED, message: problem }
    : ending
