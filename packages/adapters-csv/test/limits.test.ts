/**
 * What makes a file or the options unusable is said as such: options a program can check before
 * it starts (`optionsProblem`, the same message the stream fails with), and a line longer than
 * the row limit, which is not "an empty file".
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CsvSource } from "../src/index.js"
import { readAll, readError, summary } from "./helpers.js"

describe("CsvSource limits and options", () => {
  it.effect("optionsProblem names what the stream would fail with, before it is read", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<[CsvSource.Options, string | undefined]> = [
        [{}, undefined],
        [{ header: false, columns: ["a"], delimiter: ";" }, undefined],
        [{ header: false }, "header: false needs the column names in `columns`"],
        [{ columns: ["a"] }, "`columns` names the fields of a file without header line: set header: false"],
        [{ delimiter: '"' }, 'the delimiter cannot be empty, hold the quote or a line break: """'],
        [{ maxRowChars: 0 }, "maxRowChars must be a whole number above 0, not 0"],
      ]
      for (const [options, problem] of cases) {
        expect(CsvSource.optionsProblem(options)).toBe(problem)
        if (problem !== undefined) expect(yield* readError("a\n1\n", options)).toBe(`test.csv: ${problem}`)
      }
    }),
  )

  // The limit applies to a row still unfinished after more text than it: a file larger than the limit.
  const limit = 100_000
  const long = "x".repeat(3 * limit)
  const read = (input: string, options: CsvSource.Options) =>
    readAll(input, { maxRowChars: limit, ...options }, 1 << 16).pipe(
      Effect.map(summary),
      Effect.catchAll((error) => Effect.succeed(error.message)),
    )

  it.effect(
    "a header line longer than the row limit fails the file with the limit, not as an empty file",
    () =>
      Effect.gen(function* () {
        const problem =
          "test.csv: line 1: the header line is longer than the limit of 100,000 characters (maxRowChars): is this a CSV file, with line breaks?"
        expect(yield* read(long, {})).toBe(problem)
        expect(yield* read(`${long}\na\n`, {})).toBe(problem)
      }),
  )

  it.effect(
    "without a header line, a data line longer than the limit is a rejected row, and the file is not empty",
    () =>
      Effect.gen(function* () {
        const options = { header: false, columns: ["a"] }
        const rejected = ["line 1", `rejected: row is longer than ${limit} characters (an unclosed quote?)`]
        expect(yield* read(`${long}\nb\n`, options)).toEqual([rejected, ["line 2", { a: "b" }]])
        expect(yield* read(long, options)).toEqual([rejected])
      }),
  )
})
