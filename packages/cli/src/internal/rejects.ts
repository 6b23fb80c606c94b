/**
 * `--rejects FILE`: a CSV of every rejected and failed row, with where it was, why, and the
 * row's original values, and of every warning (outcome `warning`: the row was sent, but the CRM
 * dropped the property or contactId its reason names: one line per warning); with `bom` (`--rejects-bom`) it starts with a UTF-8 byte order mark, which
 * a spreadsheet needs to read accents as UTF-8 (and command-line tools see as a stray character). Events carry positions, not values, so the source's recent rows are
 * remembered by position (a bounded window: mapping rejections happen right after the read);
 * a row that has left the window (a failure long after it was read) keeps its key only.
 */
import { CsvWriter } from "@brainsync/adapters-csv"
import type { SourceRow, SyncEvent } from "@brainsync/core"
import { Effect, type Scope } from "effect"

const WINDOW = 50_000
const META = ["position", "outcome", "reason"]

export interface Rejects {
  readonly path: string
  readonly remember: (rows: Iterable<SourceRow.SourceRow>) => void
  readonly onEvent: (event: SyncEvent.SyncEvent) => Effect.Effect<void, CsvWriter.CsvWriteError, Scope.Scope>
  /** Writes the header if nothing else was written, so the file always exists after a run. */
  readonly close: Effect.Effect<void, CsvWriter.CsvWriteError, Scope.Scope>
  readonly written: () => number
}

interface Record {
  readonly position: string
  readonly outcome: "rejected" | "failed" | "warning"
  readonly reason: string
  readonly key: string | undefined
}

export const make = (path: string, keyColumn: string, bom = false): Rejects => {
  const recent = new Map<string, Readonly<globalThis.Record<string, unknown>>>()
  let columns: ReadonlyArray<string> | undefined
  let writer: CsvWriter.CsvWriter<Readonly<globalThis.Record<string, unknown>>> | undefined
  let written = 0

  const open = Effect.suspend(() => {
    if (writer !== undefined) return Effect.succeed(writer)
    const source = (columns ?? [keyColumn]).filter((column) => !META.includes(column))
    return Effect.map(CsvWriter.make(path, [...META, ...source], { bom }), (made) => (writer = made))
  })

  const write = (records: ReadonlyArray<Record>) =>
    Effect.gen(function* () {
      if (records.length === 0) return
      const out = yield* open
      written += records.length
      yield* out.write(
        records.map((record) => ({
          ...(recent.get(record.position) ?? (record.key !== undefined ? { [keyColumn]: record.key } : {})),
          position: record.position,
          outcome: record.outcome,
          reason: record.reason,
        })),
      )
    })

  return {
    path,
    remember: (rows) => {
      for (const row of rows) {
        if (columns === undefined && row.malformed === undefined) columns = Object.keys(row.fields)
        recent.set(row.position, row.fields)
      }
      if (recent.size > WINDOW) {
        let extra = recent.size - WINDOW
        for (const position of recent.keys()) {
          if (extra-- <= 0) break
          recent.delete(position)
        }
      }
    },
    onEvent: (event) => {
      switch (event._tag) {
        case "RowsRejected":
          return write(
            event.rows.map((row) => ({
              position: row.position,
              outcome: "rejected",
              reason: row.field === "row" ? row.reason : `${row.field}: ${row.reason}`,
              key: row.key,
            })),
          )
        case "RowsFailed":
          return write(
            event.rows.map((row) => ({
              position: row.position,
              outcome: "failed",
              reason: row.error,
              key: row.key,
            })),
          )
        case "RowsWarned":
          return write(
            event.rows.map((row) => ({
              position: row.position,
              outcome: "warning",
              reason: `${row.field}: ${row.reason}`,
              key: row.key,
            })),
          )
        default:
          return Effect.void
      }
    },
    close: Effect.asVoid(open),
    written: () => written,
  }
}
