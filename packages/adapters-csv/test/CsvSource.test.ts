import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Readable } from "node:stream"
import { Chunk, Logger, Stream } from "effect"
import fc from "fast-check"
import { CsvSource } from "../src/index.js"
import { readAll, readError, summary, tempDir, utf8 } from "./helpers.js"

const folder = tempDir("csv-source-")

describe("CsvSource", () => {
  it.effect("reads a header and rows, positioned at their lines", () =>
    Effect.gen(function* () {
      const rows = yield* readAll("email,name\na@x.io,Ann\nb@x.io,Bob\n")
      expect(summary(rows)).toEqual([
        ["line 2", { email: "a@x.io", name: "Ann" }],
        ["line 3", { email: "b@x.io", name: "Bob" }],
      ])
    }),
  )

  it.effect("positions a row with quoted newlines at the line it starts on", () =>
    Effect.gen(function* () {
      const rows = yield* readAll('id,note\n1,"one\ntwo\r\nthree"\n2,"x, ""y"""\n3,z')
      expect(summary(rows)).toEqual([
        ["line 2", { id: "1", note: "one\ntwo\r\nthree" }],
        ["line 5", { id: "2", note: 'x, "y"' }],
        ["line 6", { id: "3", note: "z" }],
      ])
    }),
  )

  it.effect("reads CRLF files, a last line without line break, and skips blank lines", () =>
    Effect.gen(function* () {
      const rows = yield* readAll("a,b\r\n\r\n1,2\r\n\r\n3,4")
      expect(summary(rows)).toEqual([
        ["line 3", { a: "1", b: "2" }],
        ["line 5", { a: "3", b: "4" }],
      ])
    }),
  )

  it.effect("reads files whose lines end in CR alone", () =>
    Effect.gen(function* () {
      const rows = yield* readAll('a,b\r1,"x\ry"\r2,z')
      expect(summary(rows)).toEqual([
        ["line 2", { a: "1", b: "x\ry" }],
        ["line 4", { a: "2", b: "z" }],
      ])
    }),
  )

  it.effect("reads a Node stream of already decoded strings, dropping a leading BOM", () =>
    Effect.gen(function* () {
      const source = CsvSource.fromReadable(
        () => Readable.from(["\uFEFFname,ci", "ty\nZoë,Zü", "rich\n"]),
        {},
        "strings",
      )
      const rows = yield* Stream.runCollect(source)
      expect(summary(Chunk.toArray(rows))).toEqual([["line 2", { name: "Zoë", city: "Zürich" }]])
    }),
  )

  it.effect("detects ; tab and | delimiters, and takes a given one", () =>
    Effect.gen(function* () {
      for (const delimiter of [";", "\t", "|"]) {
        const rows = yield* readAll(`a${delimiter}b\n1${delimiter}"2,5"\n`)
        expect(summary(rows)).toEqual([["line 2", { a: "1", b: "2,5" }]])
      }
      const given = yield* readAll("a;b\n1;2\n", { delimiter: ";" })
      expect(summary(given)).toEqual([["line 2", { a: "1", b: "2" }]])
    }),
  )

  it.effect("takes another quote and escape character", () =>
    Effect.gen(function* () {
      const rows = yield* readAll("a,b\n'x,y','it\\'s'\n", { quote: "'", escape: "\\" })
      expect(summary(rows)).toEqual([["line 2", { a: "x,y", b: "it's" }]])
    }),
  )

  it.effect("refuses unusable options with a SourceError", () =>
    Effect.gen(function* () {
      expect(yield* readError("a\n", { quote: "''" })).toContain("the quote must be one character")
      expect(yield* readError("a\n", { delimiter: "\n" })).toContain("the delimiter cannot be empty")
      expect(yield* readError("a\n", { delimiter: '"' })).toContain("the delimiter cannot be empty")
      expect(yield* readError("a\n", { maxRowChars: 0 })).toContain("maxRowChars must be a whole number")
      expect(yield* readError("a\n", { chunkSize: 1.5 })).toContain("chunkSize must be a whole number")
    }),
  )

  it.effect("reads a file without header line with the given names", () =>
    Effect.gen(function* () {
      const rows = yield* readAll("1,2\n3,4\n", { header: false, columns: ["a", "b"] })
      expect(summary(rows)).toEqual([
        ["line 1", { a: "1", b: "2" }],
        ["line 2", { a: "3", b: "4" }],
      ])
      expect(yield* readError("1,2\n", { header: false })).toContain("columns")
      expect(yield* readError("1,2\n", { columns: ["a", "b"] })).toContain("header: false")
    }),
  )

  it.effect("drops a UTF-8 byte order mark, also before a quoted first header", () =>
    Effect.gen(function* () {
      const rows = yield* readAll('\uFEFF"email",name\na@x.io,Zoë\n', {}, 1)
      expect(summary(rows)).toEqual([["line 2", { email: "a@x.io", name: "Zoë" }]])
    }),
  )

  it.effect("decodes UTF-16LE, UTF-16BE (with BOM) and Latin-1 on request", () =>
    Effect.gen(function* () {
      const text = "name,city\nZoë,Zürich\n"
      const le = new Uint8Array(Buffer.from("\uFEFF" + text, "utf16le"))
      const be = new Uint8Array(Buffer.from("\uFEFF" + text, "utf16le").swap16())
      const latin1 = new Uint8Array(Buffer.from(text, "latin1"))
      const expected = [["line 2", { name: "Zoë", city: "Zürich" }]]
      expect(summary(yield* readAll(le, { encoding: "utf-16le" }, 3))).toEqual(expected)
      expect(summary(yield* readAll(be, { encoding: "utf-16be" }, 3))).toEqual(expected)
      expect(summary(yield* readAll(latin1, { encoding: "latin1" }))).toEqual(expected)
    }),
  )

  it.effect(
    "decodes windows-1252 on request: €, œ and curly quotes, which ISO-8859-1 lacks, whatever the piece size",
    () =>
      Effect.gen(function* () {
        // 0x80 €, 0x9c œ, 0x93/0x94 curly double quotes, 0xe9 é: as Excel writes them on Windows.
        const bytes = Uint8Array.from([
          ...utf8("name;note\nC"),
          0x9c,
          0x75,
          0x72,
          0x3b,
          0x93,
          ...utf8("5 "),
          0x80,
          0x94,
          0x20,
          0xe9,
          0x0a,
        ])
        for (const size of [1, 2, 64])
          expect(summary(yield* readAll(bytes, { encoding: "windows-1252" }, size))).toEqual([
            ["line 2", { name: "Cœur", note: "“5 €” é" }],
          ])
      }),
  )

  it.effect(
    "ignores empty names that end the header (a trailing delimiter) with one warning, and the empty cells that end rows",
    () =>
      Effect.gen(function* () {
        const warnings: Array<string> = []
        const onWarning = (warning: string) => Effect.sync(() => void warnings.push(warning))
        const text = "Email Address;First Name;;\na@x.io;Zoë;;\nb@x.io;Ann\nc@x.io;Bob;\nd@x.io;Eve;oops;\n"
        for (const size of [3, 1 << 16]) {
          warnings.length = 0
          const rows = yield* readAll(text, { onWarning }, size)
          expect(summary(rows)).toEqual([
            ["line 2", { "Email Address": "a@x.io", "First Name": "Zoë" }],
            ["line 3", { "Email Address": "b@x.io", "First Name": "Ann" }],
            ["line 4", { "Email Address": "c@x.io", "First Name": "Bob" }],
            ["line 5", "rejected: 4 fields, expected 2"],
          ])
          expect(warnings).toEqual([
            "test.csv: line 1: the header ends with 2 empty column names (a trailing delimiter); ignored, with the empty cells that end the rows",
          ])
        }
        // Without the option the warning is logged.
        const logged: Array<unknown> = []
        const capture = Logger.replace(
          Logger.defaultLogger,
          Logger.make(({ message }) => logged.push(message)),
        )
        yield* readAll("a,b,\n1,2,\n").pipe(Effect.provide(capture))
        expect(logged).toEqual([
          [
            "test.csv: line 1: the header ends with an empty column name (a trailing delimiter); ignored, with the empty cells that end the rows",
          ],
        ])
        // An empty name before the end, or a header of empty names, is still fatal.
        expect(yield* readError("a;;b;\n1;2;3;\n")).toBe(
          "test.csv: line 1: the header: column 2 has an empty name",
        )
        expect(yield* readError(";;\n1;2;3\n")).toBe(
          "test.csv: line 1: the header: column 1 has an empty name",
        )
      }),
  )

  it.effect("cuts a large piece handed in into pieces of chunkSize, and reads the same rows", () =>
    Effect.gen(function* () {
      const text =
        "id,name\n" + Array.from({ length: 2000 }, (_, i) => `${i},"Zoë ${i}\nnext line"\n`).join("")
      const source = (chunkSize?: number) =>
        CsvSource.fromReadable(
          async function* () {
            yield utf8(text)
          },
          chunkSize === undefined ? {} : { chunkSize },
        )
      const chunks = Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.chunks(source(1024))))
      expect(chunks.length).toBeGreaterThan(30)
      const rows = chunks.flatMap((chunk) => Chunk.toReadonlyArray(chunk))
      expect(rows).toEqual(Chunk.toReadonlyArray(yield* Stream.runCollect(source())))
      expect(rows.length).toBe(2000)
      expect(rows[1999]).toEqual({
        position: "line 4000",
        fields: { id: "1999", name: "Zoë 1999\nnext line" },
      })
    }),
  )

  it.effect("keeps multi-byte characters split across pieces whole", () =>
    Effect.gen(function* () {
      const rows = yield* readAll("name\n李王Петров😀\n", {}, 1)
      expect(summary(rows)).toEqual([["line 2", { name: "李王Петров😀" }]])
    }),
  )

  it.effect("rejects a row with bytes invalid in the encoding, with its line, and reads on", () =>
    Effect.gen(function* () {
      const bytes = new Uint8Array([
        ...utf8("a,b\n1,ok\n2,"),
        0xff,
        0xfe,
        ...utf8("x\n3,genuine \uFFFD is kept\n"),
      ])
      const rows = yield* readAll(bytes)
      expect(summary(rows)).toEqual([
        ["line 2", { a: "1", b: "ok" }],
        ["line 3", "rejected: bytes that are not valid UTF-8 (is the file in another encoding?)"],
        ["line 4", "rejected: bytes that are not valid UTF-8 (is the file in another encoding?)"],
      ])
      const clean = yield* readAll("a,b\n3,genuine \uFFFD is kept\n")
      expect(summary(clean)).toEqual([["line 2", { a: "3", b: "genuine \uFFFD is kept" }]])
    }),
  )

  it.effect("tells invalid bytes from a genuine U+FFFD wherever the pieces are cut", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom("x", "\uFFFD", "é", "\uFFFD\uFFFD"), fc.boolean()), {
            minLength: 1,
            maxLength: 8,
          }),
          fc.integer({ min: 1, max: 9 }),
          async (cells, pieceSize) => {
            const bytes = [...utf8("a\n")]
            for (const [cell, broken] of cells) bytes.push(...utf8(cell), ...(broken ? [0xff] : []), 0x0a)
            const rows = await Effect.runPromise(readAll(Uint8Array.from(bytes), {}, pieceSize))
            const rejected = rows.map((row) => row.malformed !== undefined)
            const anyBroken = cells.some(([, broken]) => broken)
            cells.forEach(([cell, broken], i) => {
              // Once a file had invalid bytes, a U+FFFD in it can no longer be trusted: rejected too.
              const expected = broken ? true : cell.includes("\uFFFD") && anyBroken ? rejected[i] : false
              expect([i, rejected[i]]).toEqual([i, expected])
            })
          },
        ),
      ),
    ),
  )

  it.effect("rejects rows with too many or too few fields and keeps what they hold", () =>
    Effect.gen(function* () {
      const rows = yield* readAll("a,b\n1,2,3\n4\n5,6\n")
      expect(summary(rows)).toEqual([
        ["line 2", "rejected: 3 fields, expected 2"],
        ["line 3", "rejected: 1 fields, expected 2"],
        ["line 4", { a: "5", b: "6" }],
      ])
      expect(rows[0]?.fields).toEqual({ a: "1", b: "2", "column 3": "3" })
    }),
  )

  it.effect("rejects the line of an unclosed quote and reads the rest of the file", () =>
    Effect.gen(function* () {
      const rows = yield* readAll('a,b\n1,"never closed\n2,x\n3,y\n')
      expect(summary(rows)).toEqual([
        ["line 2", "rejected: unclosed quote: a quoted field never ends"],
        ["line 3", { a: "2", b: "x" }],
        ["line 4", { a: "3", b: "y" }],
      ])
    }),
  )

  it.effect("caps a row's size: an unclosed quote cannot swallow a long file", () =>
    Effect.gen(function* () {
      const body = Array.from({ length: 20_000 }, (_, i) => `${i},"v ${i}"\n`).join("")
      const rows = yield* readAll(`a,b\n1,"open\n${body}`, { maxRowChars: 1000 }, 4096)
      expect(rows.length).toBe(20_001)
      expect(summary(rows.slice(0, 2))).toEqual([
        ["line 2", "rejected: malformed quotes: a quoted field has text after its closing quote"],
        ["line 3", { a: "0", b: "v 0" }],
      ])
      const unquoted = Array.from({ length: 20_000 }, (_, i) => `${i},v\n`).join("")
      const capped = yield* readAll(`a,b\n1,"open\n${unquoted}`, { maxRowChars: 1000 }, 4096)
      expect(capped.length).toBe(20_001)
      expect(summary(capped.slice(0, 2))).toEqual([
        ["line 2", "rejected: row is longer than 1000 characters (an unclosed quote?)"],
        ["line 3", { a: "0", b: "v" }],
      ])
      expect(summary(capped.slice(-1))).toEqual([["line 20002", { a: "19999", b: "v" }]])
    }),
  )

  it.effect("rejects stray quotes, or keeps them as text when strictQuotes is off", () =>
    Effect.gen(function* () {
      const input = 'a,b\nO"Brien,x\n"ok ""quoted""",y\n"bad"tail,z\n4,w\n'
      expect(summary(yield* readAll(input))).toEqual([
        ["line 2", 'rejected: stray quote in unquoted field 1 ("a")'],
        ["line 3", { a: 'ok "quoted"', b: "y" }],
        ["line 4", "rejected: malformed quotes: a quoted field has text after its closing quote"],
        ["line 5", { a: "4", b: "w" }],
      ])
      const lenient = yield* readAll('a,b\nO"Brien,x\n', { strictQuotes: false })
      expect(summary(lenient)).toEqual([["line 2", { a: 'O"Brien', b: "x" }]])
    }),
  )

  it.effect("fails at the start on an empty or duplicate header name", () =>
    Effect.gen(function* () {
      expect(yield* readError("a,,c\n1,2,3\n")).toBe(
        "test.csv: line 1: the header: column 2 has an empty name",
      )
      expect(yield* readError("\na,b,a\n1,2,3\n")).toBe(
        'test.csv: line 2: the header: the name "a" is used twice (columns 1 and 3)',
      )
    }),
  )

  it.effect("fails on an empty file, reads a header-only file as no rows with a warning", () =>
    Effect.gen(function* () {
      expect(yield* readError("")).toBe("test.csv: line 1: the file is empty (no header line, no rows)")
      expect(yield* readError("\n\r\n")).toContain("empty")
      expect(yield* readAll("", { allowEmpty: true })).toEqual([])
      const logged: Array<unknown> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ message }) => logged.push(message)),
      )
      expect(yield* readAll("\na,b\n").pipe(Effect.provide(capture))).toEqual([])
      expect(logged).toEqual([["test.csv: line 2 is the header, and no rows follow"]])
    }),
  )

  it.effect("reads a file from disk on every run, and fails with SourceError when it is missing", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(folder, "run-"))
      const path = join(dir, "contacts.csv")
      writeFileSync(path, "email\na@x.io\n")
      const source = CsvSource.fromFile(path)
      const first = yield* Stream.runCollect(source)
      writeFileSync(path, "email\nb@x.io\nc@x.io\n")
      const second = yield* Stream.runCollect(source)
      expect(Chunk.size(first)).toBe(1)
      expect(Chunk.size(second)).toBe(2)
      const missing = yield* Stream.runCollect(CsvSource.fromFile(join(dir, "nope.csv"))).pipe(Effect.flip)
      expect(missing._tag).toBe("SourceError")
      expect(missing.message).toContain("ENOENT")
    }),
  )

  it.effect.skipIf(!existsSync("/proc/self/fd"))("closes the file when the stream stops early", () =>
    Effect.gen(function* () {
      const path = join(folder, "big.csv")
      writeFileSync(path, "email\n" + "a@x.io\n".repeat(200_000))
      const openFiles = () => readdirSync("/proc/self/fd").length
      const before = openFiles()
      for (let i = 0; i < 20; i++) {
        const first = yield* Stream.runCollect(CsvSource.fromFile(path).pipe(Stream.take(1)))
        expect(Chunk.size(first)).toBe(1)
      }
      expect(openFiles()).toBeLessThan(before + 5)
    }),
  )

  it.effect("counts lines exactly over many pieces with multi-line rows", () =>
    Effect.gen(function* () {
      const lines = ["id,note"]
      const expected: Array<[string, string]> = []
      let line = 2
      for (let i = 0; i < 3000; i++) {
        const note = i % 7 === 0 ? `multi\nline ${i}` : `note ${i}, Zoë`
        expected.push([`line ${line}`, note])
        lines.push(`${i},"${note}"`)
        line += i % 7 === 0 ? 2 : 1
      }
      const rows = yield* readAll(lines.join("\n") + "\n", {}, 977)
      expect(rows.map((row) => [row.position, row.fields["note"]])).toEqual(expected)
    }),
  )
})
