/** The command's exit codes, and the failure that carries one to the top with a one-line message. */
import { Data } from "effect"

export const OK = 0
/** Some rows failed, or the reject rate was above the limit. */
export const ROWS_FAILED = 1
/** A usage or configuration error: nothing was sent. */
export const USAGE = 2
/** The CRM refused us (401 or 406): nothing more was sent. */
export const REFUSED = 3
/** Another run of the same sync holds the state file's lease: nothing was sent; run again when it is done. */
export const STATE_HELD = 4

/** Stops the command with `code`, printing `message` (one line) on standard error. */
export class CliFailure extends Data.TaggedError("CliFailure")<{
  readonly code: number
  readonly message: string
}> {}

export const usage = (message: string) => new CliFailure({ code: USAGE, message })
