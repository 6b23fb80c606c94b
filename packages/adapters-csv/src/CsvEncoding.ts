/**
 * Which encoding a CSV file is in, told from its first bytes: a byte order mark (UTF-8, UTF-16LE,
 * UTF-16BE) says so outright; otherwise bytes that are valid UTF-8 are UTF-8, and bytes that are
 * not are UTF-8 with damaged bytes when they hold more valid multi-byte characters than invalid
 * sequences, else given to chardet (a port of ICU's detector), whose guess says what they look like.
 * Western single-byte text (ISO-8859-1, Windows-1252 and their near twins) is read as
 * `windows-1252`, the superset that Windows and Excel write.
 *
 * @example
 * ```ts
 * import { CsvEncoding, CsvSource } from "@brainsync/adapters-csv"
 * import { Effect, Stream } from "effect"
 *
 * const rows = Effect.gen(function* () {
 *   const detected = yield* CsvEncoding.detectFile("export.csv")
 *   if (detected.encoding === undefined) return yield* Effect.fail(`not UTF-8: ${detected.notUtf8?.looksLike}`)
 *   return CsvSource.fromFile("export.csv", { encoding: detected.encoding })
 * }).pipe(Stream.unwrap)
 * ```
 *
 * @since 0.1.0
 * @module
 */
import { SourceRow } from "@brainsync/core"
import chardet from "chardet"
import { Effect } from "effect"
import { closeSync, openSync, readSync } from "node:fs"
import * as Decoder from "./internal/decoder.js"

/**
 * Where a file's bytes stop being UTF-8, and what they look like there.
 *
 * @since 0.1.0
 * @category models
 */
export interface NotUtf8 {
  /** The line (from 1) holding the first byte that is not UTF-8. */
  readonly line: number
  /** chardet's best guess for the bytes, by its name (`ISO-8859-1`, `Shift_JIS`, `UTF-8` for damaged UTF-8). */
  readonly looksLike: string
  /** Up to 60 characters of that line around the byte, as `encoding` reads them (as UTF-8, with `�`, when there is none). */
  readonly excerpt: string
}

/**
 * What the first bytes of a file say about its encoding.
 *
 * @since 0.1.0
 * @category models
 */
export interface Detected {
  /**
   * The encoding to read the file with; `undefined` when its bytes are not UTF-8 and look like no
   * encoding a CSV source decodes.
   */
  readonly encoding: Decoder.Encoding | undefined
  /** Whether the bytes start with a byte order mark. */
  readonly bom: boolean
  /** Set when the bytes are not (all) UTF-8 and no byte order mark names another encoding. */
  readonly notUtf8: NotUtf8 | undefined
}

/**
 * How many bytes `detectFile` reads from the start of a file: 1 MiB.
 *
 * @since 0.1.0
 * @category constants
 */
export const sampleSize = 1 << 20

/** chardet reads this many bytes around the first one that is not UTF-8. */
const guessWindow = 1 << 16

/** chardet's names for Western single-byte text, which `windows-1252` reads (ISO-8859-9 differs in six letters). */
const western = new Set(["ISO-8859-1", "windows-1252", "ISO-8859-9", "windows-1254"])

const startsWith = (bytes: Uint8Array, ...prefix: ReadonlyArray<number>): boolean =>
  prefix.every((byte, i) => bytes[i] === byte)

interface Utf8Reading {
  /** The first byte that is not UTF-8 (a sequence cut by the sample's end is not counted). */
  readonly invalid: { readonly offset: number; readonly line: number } | undefined
  /** How the bytes fare as UTF-8: characters of two bytes or more that they spell, and invalid sequences. */
  readonly multiByte: number
  readonly invalidSequences: number
}

const readAsUtf8 = (bytes: Uint8Array): Utf8Reading => {
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes, { stream: true })
  let invalid: Utf8Reading["invalid"]
  let invalidSequences = 0
  let multiByte = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) continue
    if (code !== 0xfffd) {
      if (code < 0xdc00 || code > 0xdfff) multiByte++ // a low surrogate ends a character counted already
      continue
    }
    // Everything before the first invalid byte decoded faithfully: its UTF-8 length is the byte offset.
    const offset = invalid === undefined ? Buffer.byteLength(text.slice(0, i)) : -1
    if (offset !== -1 && startsWith(bytes.subarray(offset), 0xef, 0xbf, 0xbd)) {
      multiByte++ // a genuine U+FFFD
      continue
    }
    invalidSequences++
    if (invalid === undefined) {
      let line = 1
      for (let at = text.indexOf("\n"); at !== -1 && at < i; at = text.indexOf("\n", at + 1)) line++
      invalid = { offset, line }
    }
  }
  return { invalid, multiByte, invalidSequences }
}

const excerptAround = (bytes: Uint8Array, offset: number, encoding: Decoder.Encoding): string => {
  const start = bytes.lastIndexOf(0x0a, offset) + 1
  const newline = bytes.indexOf(0x0a, offset)
  const end = newline === -1 ? bytes.length : newline
  const before = Decoder.decodeAll(bytes.subarray(start, offset), encoding)
  const after = Decoder.decodeAll(bytes.subarray(offset, end), encoding).replace(/\r$/, "")
  const head = before.length > 20 ? `…${before.slice(-20)}` : before
  return after.length > 40 ? `${head}${after.slice(0, 40)}…` : `${head}${after}`
}

/**
 * The encoding of a file from its first bytes (`detectFile` reads them): see the module's
 * description for how it is told.
 *
 * @since 0.1.0
 * @category utils
 */
export const detect = (bytes: Uint8Array): Detected => {
  if (startsWith(bytes, 0xff, 0xfe) && !startsWith(bytes, 0xff, 0xfe, 0, 0))
    return { encoding: "utf-16le", bom: true, notUtf8: undefined }
  if (startsWith(bytes, 0xfe, 0xff)) return { encoding: "utf-16be", bom: true, notUtf8: undefined }
  const bom = startsWith(bytes, 0xef, 0xbb, 0xbf)
  const { invalid, invalidSequences, multiByte } = readAsUtf8(bytes)
  if (invalid === undefined) return { encoding: "utf-8", bom, notUtf8: undefined }
  // Text in a single-byte encoding hardly ever spells a valid multi-byte UTF-8 sequence (é is one
  // byte followed by ASCII): more of those than invalid ones is UTF-8 with damaged bytes, which
  // chardet's language models would take for Latin-1.
  const window = bytes.subarray(
    Math.max(0, invalid.offset - guessWindow / 2),
    invalid.offset + guessWindow / 2,
  )
  const looksLike = multiByte > invalidSequences ? "UTF-8" : (chardet.detect(window) ?? "unknown")
  const encoding = western.has(looksLike) ? "windows-1252" : looksLike === "UTF-8" ? "utf-8" : undefined
  return {
    encoding,
    bom,
    notUtf8: {
      line: invalid.line,
      looksLike,
      excerpt: excerptAround(bytes, invalid.offset, encoding ?? "utf-8"),
    },
  }
}

const readStart = (path: string, size: number): Uint8Array => {
  const fd = openSync(path, "r")
  try {
    const buffer = new Uint8Array(size)
    return buffer.subarray(0, readSync(fd, buffer, 0, size, 0))
  } finally {
    closeSync(fd)
  }
}

/**
 * The encoding of the file at `path`, from its first `size` bytes (1 MiB by default).
 *
 * @since 0.1.0
 * @category utils
 */
export const detectFile = (
  path: string,
  size: number = sampleSize,
): Effect.Effect<Detected, SourceRow.SourceError> =>
  Effect.try({
    try: () => detect(readStart(path, size)),
    catch: (cause) =>
      new SourceRow.SourceError({
        source: path,
        message: `cannot read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause,
      }),
  })
