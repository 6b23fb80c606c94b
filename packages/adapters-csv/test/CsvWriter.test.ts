import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { mkdtempSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { CsvSource, CsvWriter } from "../src/index.js"
import { readAll, summary, tempDir } from "./helpers.js"

const folder = tempDir("csv-writer-")
const tempFile = (name: string) => join(mkdtempSync(join(folder, "run-")), name)

describe("CsvWriter", () => {
  it("quotes cells holding the delimiter, quotes or line breaks, and nothing else", () => {
    expect(
      CsvWriter.formatRow(["plain", "a,b", 'say "hi"', "two\nlines", "cr\r", 42, true, null, undefined]),
    ).toBe('plain,"a,b","say ""hi""","two\nlines","cr\r",42,true,,\n')
    expect(CsvWriter.formatRow(["a;b", "c,d"], { delimiter: ";", newline: "\r\n" })).toBe('"a;b";c,d\r\n')
    expect(CsvWriter.formatRow([{ nested: 1 }])).toBe('"{""nested"":1}"\n')
  })

  it("escapes cells a spreadsheet would run as a formula", () => {
    const cells = ["=SUM(A1:A9)", "+1", "-5", "@cmd", "\tx", "\rx", "a=b", "safe"]
    expect(CsvWriter.formatRow(cells)).toBe(`'=SUM(A1:A9),'+1,'-5,'@cmd,'\tx,"'\rx",a=b,safe\n`)
    expect(CsvWriter.formatRow(["=1+1", "-5"], { escapeFormulas: false })).toBe("=1+1,-5\n")
  })

  it("writes a lone empty cell as a quoted empty string, so it is not a blank line", () => {
    expect(CsvWriter.formatRow([""])).toBe('""\n')
  })

  it.effect("writes a rejects file with position, reason and original fields that reads back", () =>
    Effect.gen(function* () {
      const path = tempFile("rejects.csv")
      yield* Effect.scoped(
        Effect.gen(function* () {
          const rejects = yield* CsvWriter.rejects(path, ["email", "name"])
          yield* rejects.write([
            {
              position: "line 2",
              field: "email",
              reason: "is not an email address",
              fields: { email: "nope", name: "Ann" },
            },
          ])
          yield* rejects.write([
            {
              position: "line 9",
              reason: "3 fields, expected 2",
              fields: { email: "=HYPERLINK(1)", name: "Bob, Jr." },
            },
          ])
        }),
      )
      expect(readFileSync(path, "utf8")).toBe(
        'position,reason,email,name\nline 2,email: is not an email address,nope,Ann\nline 9,"3 fields, expected 2",\'=HYPERLINK(1),"Bob, Jr."\n',
      )
      const rows = yield* Stream.runCollect(CsvSource.fromFile(path))
      expect(Chunk.toArray(rows).map((row) => row.fields)).toEqual([
        { position: "line 2", reason: "email: is not an email address", email: "nope", name: "Ann" },
        { position: "line 9", reason: "3 fields, expected 2", email: "'=HYPERLINK(1)", name: "Bob, Jr." },
      ])
    }),
  )

  it.effect("writes a BOM on request, which the source drops again", () =>
    Effect.gen(function* () {
      const path = tempFile("export.csv")
      yield* Effect.scoped(
        Effect.flatMap(CsvWriter.make(path, ["name"], { bom: true }), (writer) =>
          writer.write([{ name: "Zoë" }]),
        ),
      )
      expect(readFileSync(path).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
      expect(summary(yield* readAll(new Uint8Array(readFileSync(path))))).toEqual([
        ["line 2", { name: "Zoë" }],
      ])
    }),
  )

  it.effect("refuses duplicate column names and reports an unwritable path", () =>
    Effect.gen(function* () {
      const twice = yield* Effect.scoped(CsvWriter.rejects(tempFile("x.csv"), ["reason"])).pipe(Effect.flip)
      expect(twice.message).toContain('"reason" are used twice')
      const nowhere = yield* Effect.scoped(CsvWriter.make(join(tempFile("d"), "no", "such.csv"), ["a"])).pipe(
        Effect.flip,
      )
      expect(nowhere._tag).toBe("CsvWriteError")
      expect(nowhere.message).toContain("ENOENT")
    }),
  )
})
