/**
 * The checks that stop a run on its data: the first chunk with a well-formed row must have every
 * column the mapping names, and the rejected share must stay within `maxRejectRate`.
 */
import { Effect } from "effect"
import type { Service as Sink } from "../ContactSink.js"
import { missingColumns } from "../Mapping.js"
import type { Options } from "../Sync.js"
import type { SyncReport } from "../SyncReport.js"
import { describe, Fatal } from "./deliver.js"
import type { Guard } from "./intake.js"

const percent = (ratio: number) => `${(ratio * 100).toFixed(1).replace(/\.0$/, "")}%`

/** `RejectRate` when the rejected share is above `maxRejectRate` and at least `from` rows were read. */
export const rejectRate = (
  options: Pick<Options<unknown, unknown>, "maxRejectRate">,
  counts: SyncReport,
  from: number,
): Fatal | undefined => {
  const limit = options.maxRejectRate
  if (limit === undefined || counts.read < from || counts.rejected / counts.read <= limit) return undefined
  const first = counts.rejectedRows[0]
  return new Fatal({
    reason: "RejectRate",
    message: `${percent(counts.rejected / counts.read)} of the ${counts.read} rows read were rejected, more than the allowed ${percent(limit)}${first === undefined ? "" : ` (the first, ${first.position}: ${first.field} ${first.reason})`}`,
  })
}

/**
 * The checks between the source and the mapping: the first chunk with a well-formed row must
 * have every column the mapping names, and after each chunk the reject rate must be within limit.
 */
export const make = (options: Options<unknown, unknown>, counts: () => SyncReport): Guard => {
  let columnsChecked = options.checkColumns === false
  const from = options.rejectRateFrom ?? 1000
  return {
    before: (rows) => {
      if (columnsChecked || !rows.some((row) => row.malformed === undefined)) return undefined
      columnsChecked = true
      const missing = missingColumns(options.mapping, rows)
      return missing.length === 0
        ? undefined
        : new Fatal({ reason: "InvalidConfig", message: `mapping: ${missing.join("; ")}` })
    },
    after: () => rejectRate(options, counts(), from),
  }
}

/** A run that sent nothing has not put its token to the CRM: the sink's `verify` does, when it has one. */
export const verifyToken = (sink: Sink, counts: SyncReport): Effect.Effect<void, Fatal> =>
  counts.requests > 0 || sink.verify === undefined
    ? Effect.void
    : Effect.mapError(
        sink.verify,
        (error) =>
          new Fatal({
            reason: error._tag === "NotAcceptable" ? "NotAcceptable" : "Unauthorized",
            message: `${describe(error)} (checked because the run had nothing to send)`,
          }),
      )
