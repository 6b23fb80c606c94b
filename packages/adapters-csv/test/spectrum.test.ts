import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { basename, dirname, join } from "node:path"
import { readAll } from "./helpers.js"

const spectrum = dirname(createRequire(import.meta.url).resolve("csv-spectrum/package.json"))
const cases = readdirSync(join(spectrum, "csvs")).map((file) => basename(file, ".csv"))
const read = (name: string, extension: "csv" | "json") =>
  readFileSync(join(spectrum, extension === "csv" ? "csvs" : "json", `${name}.${extension}`))

describe("csv-spectrum", () => {
  it("has its cases", () => expect(cases.length).toBeGreaterThanOrEqual(12))

  for (const name of cases.filter((name) => name !== "location_coordinates"))
    it.effect(name, () =>
      Effect.gen(function* () {
        const csv = new Uint8Array(read(name, "csv"))
        const expected: ReadonlyArray<Record<string, string>> = JSON.parse(
          read(name, "json").toString("utf8"),
        )
        const rows = yield* readAll(csv, {}, 7)
        expect(rows.filter((row) => row.malformed !== undefined)).toEqual([])
        expect(rows.map((row) => row.fields)).toEqual(expected)
      }),
    )

  // Its unquoted field holds quotes (37.8"N), which RFC 4180 forbids; its JSON is a single object
  // and states another phone number than the CSV holds.
  it.effect("location_coordinates: rejected as a stray quote, read as text when strictQuotes is off", () =>
    Effect.gen(function* () {
      const csv = new Uint8Array(read("location_coordinates", "csv"))
      const expected: Record<string, string> = JSON.parse(
        read("location_coordinates", "json").toString("utf8"),
      )
      const strict = yield* readAll(csv, {}, 7)
      expect(strict.map((row) => row.malformed)).toEqual([
        'stray quote in unquoted field 2 ("Location Coordinates")',
      ])
      const lenient = yield* readAll(csv, { strictQuotes: false }, 7)
      expect(lenient.map((row) => row.fields)).toEqual([
        { ...expected, "Contact Phone Number": "2095257564" },
      ])
    }),
  )
})
