import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Logger, LogLevel, Stream } from "effect"
import fc from "fast-check"
import { CsvSource, CsvWriter } from "../src/index.js"
import { inPieces, utf8 } from "./helpers.js"

const tricky = fc.constantFrom(
  ",",
  ";",
  "|",
  "\t",
  '"',
  "'",
  "\n",
  "\r",
  "\r\n",
  " ",
  "=",
  "-",
  "a",
  "é",
  "李",
  "😀",
  "\uFFFD",
)
const text = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: tricky, maxLength: 12 }),
)
const columnName = text.filter(
  (name) => name.trim() !== "" && name !== "__proto__" && !name.startsWith("\uFEFF"),
)

const table = fc
  .uniqueArray(columnName, { minLength: 1, maxLength: 6 })
  .chain((columns) =>
    fc.tuple(
      fc.constant(columns),
      fc.array(fc.tuple(...columns.map(() => text)), { maxLength: 30 }),
      fc.constantFrom(",", ";", "\t", "|"),
      fc.integer({ min: 1, max: 64 }),
    ),
  )

const readBack = (csv: string, delimiter: string, pieceSize: number) =>
  Stream.runCollect(CsvSource.fromReadable(inPieces(utf8(csv), pieceSize), { delimiter }, "round-trip")).pipe(
    Effect.map(Chunk.toReadonlyArray),
    // A table without records is read as such, with a warning that does not belong in the test output.
    Logger.withMinimumLogLevel(LogLevel.Error),
  )

describe("CsvWriter → CsvSource round trip", () => {
  it.effect("reads back the records it wrote, whatever they hold", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(table, async ([columns, values, delimiter, pieceSize]) => {
          const records = values.map((row) =>
            Object.fromEntries(columns.map((column, i) => [column, row[i]])),
          )
          const csv = CsvWriter.format(columns, records, { delimiter, escapeFormulas: false })
          const rows = await Effect.runPromise(readBack(csv, delimiter, pieceSize))
          expect(rows.filter((row) => row.malformed !== undefined)).toEqual([])
          expect(rows.map((row) => row.fields)).toEqual(records)
        }),
        { numRuns: Number(process.env.ROUND_TRIP_RUNS ?? 300) },
      ),
    ),
  )
})
