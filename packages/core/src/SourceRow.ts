/**
 * What a source adapter yields: one row of the system the contacts come from. Any
 * `Stream<SourceRow>` is a source, so a new adapter is a few lines (see `examples/`).
 */
import { Data } from "effect"

export interface SourceRow {
  /** Where a person finds the row again: `line 42` for files, a cursor or primary key for others. */
  readonly position: string
  /** The row's values by column name, as the source holds them. */
  readonly fields: Readonly<Record<string, unknown>>
  /** Set when the source could not read the row properly: the row ends `rejected` with this reason. */
  readonly malformed?: string | undefined
}

export const make = (row: SourceRow): SourceRow => row

/** A row the source could read only in part: it ends `rejected` with `reason`, and the sync goes on. */
export const malformed = (position: string, reason: string, fields: SourceRow["fields"] = {}): SourceRow => ({
  position,
  fields,
  malformed: reason,
})

/** The source itself failed (a file that cannot be opened, a header that cannot be used): the sync stops. */
export class SourceError extends Data.TaggedError("SourceError")<{
  readonly source: string
  readonly message: string
  readonly cause?: unknown
}> {}
