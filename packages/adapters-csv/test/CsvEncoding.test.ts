import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream, Chunk } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { CsvEncoding, CsvSource } from "../src/index.js"
import { summary, tempDir, utf8 } from "./helpers.js"

const folder = tempDir("csv-encoding-")

const export_ = [
  "Email Address;First Name;Last Name;City",
  "anne@example.com;Anne;Martin;Paris",
  "zoe@example.com;Zoë;Müller;München",
  "jose@example.es;José;Muñoz;Málaga",
  "francois@example.fr;François;Garçon;Besançon",
  "",
].join("\r\n")

describe("CsvEncoding.detect", () => {
  it("reads a byte order mark: UTF-8 (as Excel writes it), UTF-16LE, UTF-16BE", () => {
    expect(CsvEncoding.detect(utf8("\uFEFF" + export_))).toEqual({
      encoding: "utf-8",
      bom: true,
      notUtf8: undefined,
    })
    const le = new Uint8Array(Buffer.from("\uFEFF" + export_, "utf16le"))
    expect(CsvEncoding.detect(le)).toEqual({ encoding: "utf-16le", bom: true, notUtf8: undefined })
    const be = new Uint8Array(Buffer.from("\uFEFF" + export_, "utf16le").swap16())
    expect(CsvEncoding.detect(be)).toEqual({ encoding: "utf-16be", bom: true, notUtf8: undefined })
  })

  it("takes valid UTF-8 as UTF-8, also when the sample ends inside a character or holds a genuine U+FFFD", () => {
    const bytes = utf8(export_ + "x@y.z;\uFFFD;李;")
    expect(CsvEncoding.detect(bytes)).toEqual({ encoding: "utf-8", bom: false, notUtf8: undefined })
    expect(CsvEncoding.detect(bytes.subarray(0, bytes.length - 2)).encoding).toBe("utf-8")
  })

  it("finds Latin-1 bytes: the line where UTF-8 breaks, what chardet takes them for, and the line as windows-1252 reads it", () => {
    const detected = CsvEncoding.detect(new Uint8Array(Buffer.from(export_, "latin1")))
    expect(detected).toEqual({
      encoding: "windows-1252",
      bom: false,
      notUtf8: { line: 3, looksLike: "ISO-8859-1", excerpt: "zoe@example.com;Zoë;Müller;München" },
    })
  })

  it("finds the right line after a genuine U+FFFD, and calls bytes that are UTF-8 but one damaged UTF-8", () => {
    const text = "name,note\n" + "Zoë,Émile Ørsted Ñandú Çava\n".repeat(40) + "a,\uFFFD\nb,x"
    const bytes = Uint8Array.from([...utf8(text), 0xff, ...utf8("y\n")])
    const detected = CsvEncoding.detect(bytes)
    expect(detected.encoding).toBe("utf-8")
    expect(detected.notUtf8).toEqual({ line: 43, looksLike: "UTF-8", excerpt: "b,x\uFFFDy" })
  })

  it("names what it cannot read: Shift_JIS is not a CSV source's encoding", () => {
    const sjis = Uint8Array.from([
      ...utf8("name\n"),
      ...Array.from({ length: 30 }, () => [0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea, 0x0a]).flat(),
    ])
    const detected = CsvEncoding.detect(sjis)
    expect(detected.encoding).toBeUndefined()
    expect(detected.notUtf8?.line).toBe(2)
    expect(detected.notUtf8?.looksLike).toBe("Shift_JIS")
  })
})

describe("CsvEncoding.detectFile", () => {
  it.effect("reads a file's first bytes; what it detects reads the file right", () =>
    Effect.gen(function* () {
      const path = join(folder, "latin1.csv")
      writeFileSync(path, Buffer.from(export_, "latin1"))
      const detected = yield* CsvEncoding.detectFile(path)
      expect(detected.encoding).toBe("windows-1252")
      const rows = yield* Stream.runCollect(CsvSource.fromFile(path, { encoding: detected.encoding! }))
      expect(summary(Chunk.toReadonlyArray(rows))[1]).toEqual([
        "line 3",
        { "Email Address": "zoe@example.com", "First Name": "Zoë", "Last Name": "Müller", City: "München" },
      ])
      // Only the first `size` bytes count: the Latin-1 is past them.
      expect((yield* CsvEncoding.detectFile(path, 40)).encoding).toBe("utf-8")
      const missing = yield* CsvEncoding.detectFile(join(folder, "nope.csv")).pipe(Effect.flip)
      expect(missing._tag).toBe("SourceError")
      expect(missing.message).toContain("ENOENT")
    }),
  )
})
