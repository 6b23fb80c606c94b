/**
 * What a source adapter yields: one row of the system the contacts come from. Any
 * `Stream<SourceRow>` is a source, so a new adapter is a few lines (see `examples/`).
 *
 * @since 0.1.0
 * @module
 */
import { Data } from "effect"

/**
 * One row of a source: where it is, and its values by column name.
 *
 * @since 0.1.0
 * @category models
 */
export interface SourceRow {
  /** Where a person finds the row again: `line 42` for files, a cursor or primary key for others. */
  readonly position: string
  /** The row's values by column name, as the source holds them. */
  readonly fields: Readonly<Record<string, unknown>>
  /** Set when the source could not read the row properly: the row ends `rejected` with this reason. */
  readonly malformed?: string | undefined
}

/**
 * A row that the source read in full.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (row: SourceRow): SourceRow => row

/**
 * A row the source could read only in part: it ends `rejected` with `reason`, and the sync goes on.
 *
 * @since 0.1.0
 * @category constructors
 */
export const malformed = (position: string, reason: string, fields: SourceRow["fields"] = {}): SourceRow => ({
  position,
  fields,
  malformed: reason,
})

/**
 * The source itself failed (a file that cannot be opened, a header that cannot be used): the sync stops.
 *
 * @since 0.1.0
 * @category errors
 */
export class SourceError extends Data.TaggedError("SourceError")<{
  readonly source: string
  readonly message: string
  readonly cause?: unknown
}> {}
