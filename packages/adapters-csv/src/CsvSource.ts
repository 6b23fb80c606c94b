/**
 * CSV files and streams as a source: a `Stream` of `SourceRow`s, one per data row, positioned at
 * the line the row starts on (`line 42`). Rows the file spells wrongly (wrong field count, broken
 * or stray quotes, bytes invalid in the encoding, a row longer than `maxRowChars`) come out as
 * malformed rows, so the sync rejects them with the reason and goes on; what makes the file
 * unusable (it cannot be opened, an empty or duplicate header name, an empty file) fails the
 * stream with a `SourceError`. Empty names that end the header (a trailing delimiter, as some
 * exports write) are dropped with a warning, and so are the empty cells that end the rows there.
 *
 * Rows come in chunks (one per piece read, about 250 rows of 32 KiB), never one row per step.
 *
 * @since 0.1.0
 * @module
 */
import { SourceRow } from "@brainsync/core"
import { Chunk, Effect, Stream } from "effect"
import { createReadStream } from "node:fs"
import * as Decoder from "./internal/decoder.js"
import { FatalCsvError } from "./internal/columns.js"
import { RowReader } from "./internal/rowReader.js"

/**
 * The text encodings a CSV source decodes: `utf-8`, `utf-16le`, `utf-16be`, `latin1` (ISO-8859-1)
 * and `windows-1252` (Latin-1 as Windows and Excel write it: `€`, `œ`, curly quotes).
 *
 * @since 0.1.0
 * @category models
 */
export type Encoding = Decoder.Encoding

/**
 * How to read the CSV: header, delimiter, quoting, encoding and limits, each with a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * `true` (default): the first non-blank line names the columns. `false`: the file has no
   * header line, `columns` names the fields.
   */
  readonly header?: boolean | undefined
  /** The column names when `header` is `false`. */
  readonly columns?: ReadonlyArray<string> | undefined
  /** `","`, `";"`, `"\t"`, `"|"` (or any other string); `"auto"` (default) detects one of the four. */
  readonly delimiter?: string | undefined
  /** The quote character, `"` by default. */
  readonly quote?: string | undefined
  /** The character escaping a quote inside a quoted field; the quote itself (`""`) by default. */
  readonly escape?: string | undefined
  /**
   * `"utf-8"` by default (a byte order mark is dropped); `"utf-16le"`, `"utf-16be"`, `"latin1"`,
   * `"windows-1252"`. `CsvEncoding.detect` tells which one a file's first bytes are in.
   */
  readonly encoding?: Encoding | undefined
  /**
   * Receives each warning about the file (its header ends with empty names, no rows follow the
   * header), once per run of the stream, as one line that starts with the source's name.
   * Default: `Effect.logWarning`.
   */
  readonly onWarning?: ((warning: string) => Effect.Effect<void>) | undefined
  /** A row still unfinished after this many characters is rejected and reading goes on at the next line. Default 1 MiB. */
  readonly maxRowChars?: number | undefined
  /** Reject rows with a quote inside an unquoted field (`ab"c`), as RFC 4180 says. Default `true`; `false` keeps the quote as text. */
  readonly strictQuotes?: boolean | undefined
  /** An empty file (no line with content) yields no rows instead of failing. Default `false`. */
  readonly allowEmpty?: boolean | undefined
  /**
   * Bytes decoded at a time (larger pieces, read from a file or handed in, are cut), 32 KiB by
   * default: a 64 KiB piece with a multi-byte character decodes to a string of over 128 KiB, which
   * V8 puts in its large-object space, freed only by full collections (docs/performance.md, "CSV
   * piece size").
   */
  readonly chunkSize?: number | undefined
}

const defaultMaxRowChars = 1 << 20
const defaultChunkSize = 1 << 15
/**
 * Bytes `fromFile` reads a file in at a time: fewer, larger reads leave the thread idle less. A
 * program that opens the file itself for `fromReadable` (to count the bytes read, say) should read
 * it in pieces of this size too.
 *
 * @since 0.1.0
 * @category constants
 */
export const readSize = 1 << 18

/** Byte pieces cut to at most `size`, so that none decodes to a string of V8's large-object space. */
async function* piecesOf(
  size: number,
  pieces: AsyncIterable<Uint8Array | string>,
): AsyncIterable<Uint8Array | string> {
  for await (const piece of pieces)
    if (typeof piece === "string" || piece.length <= size) yield piece
    else for (let at = 0; at < piece.length; at += size) yield piece.subarray(at, at + size)
}

/**
 * What is wrong with `options`, in one line naming the option, or `undefined` when they can be
 * used: a program can refuse them before it starts (the stream fails with the same message).
 *
 * @example
 * ```ts
 * import { CsvSource } from "@brainsync/adapters-csv"
 *
 * CsvSource.optionsProblem({ header: false })
 * // "header: false needs the column names in `columns`"
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const optionsProblem = (options: Options): string | undefined => {
  const quote = options.quote ?? '"'
  if (options.header === false && options.columns === undefined)
    return "header: false needs the column names in `columns`"
  if (options.header !== false && options.columns !== undefined)
    return "`columns` names the fields of a file without header line: set header: false"
  const delimiter = delimiterOf(options)
  if (quote.length !== 1) return `the quote must be one character, not "${quote}"`
  if (options.escape !== undefined && options.escape.length !== 1)
    return `the escape must be one character, not "${options.escape}"`
  if (delimiter !== undefined && (delimiter === "" || delimiter.includes(quote) || /[\r\n]/.test(delimiter)))
    return `the delimiter cannot be empty, hold the quote or a line break: "${delimiter}"`
  for (const [name, value] of [
    ["maxRowChars", options.maxRowChars],
    ["chunkSize", options.chunkSize],
  ] as const)
    if (value !== undefined && !(Number.isInteger(value) && value > 0))
      return `${name} must be a whole number above 0, not ${value}`
  return undefined
}

/** The delimiter given, or `undefined` to detect it. */
const delimiterOf = (options: Options): string | undefined =>
  options.delimiter === undefined || options.delimiter === "auto" ? undefined : options.delimiter

const readerFor = (options: Options): RowReader => {
  const problem = optionsProblem(options)
  if (problem !== undefined) throw new FatalCsvError(problem)
  const quote = options.quote ?? '"'
  return new RowReader({
    delimiter: delimiterOf(options),
    quote,
    escape: options.escape ?? quote,
    columns: options.header === false ? options.columns : undefined,
    maxRowChars: options.maxRowChars ?? defaultMaxRowChars,
    strictQuotes: options.strictQuotes ?? true,
    encoding: (options.encoding ?? "utf-8").toUpperCase(),
  })
}

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/**
 * Rows of CSV text read from `open()`: bytes (decoded with `options.encoding`) or strings (already
 * decoded; a leading BOM is dropped). `open` is called on each run of the stream, so the source can
 * be run again (a periodic sync); a Node `Readable` is an `AsyncIterable`. `name` labels errors.
 *
 * @example
 * ```ts
 * import { CsvSource } from "@brainsync/adapters-csv"
 * import { createReadStream } from "node:fs"
 * import { createGunzip } from "node:zlib"
 *
 * // A gzipped export, decompressed as it is read (and opened again on each run)
 * const source = CsvSource.fromReadable(
 *   () => createReadStream("export.csv.gz").pipe(createGunzip()),
 *   { delimiter: ";" },
 *   "export.csv.gz",
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromReadable = (
  open: () => AsyncIterable<Uint8Array | string>,
  options: Options = {},
  name = "CSV stream",
): Stream.Stream<SourceRow.SourceRow, SourceRow.SourceError> =>
  Stream.suspend(() => {
    const fail = (cause: unknown) =>
      new SourceRow.SourceError({
        source: name,
        message:
          cause instanceof FatalCsvError
            ? `${name}: ${cause.message}`
            : `cannot read ${name}: ${describe(cause)}`,
        cause,
      })
    const attempt = <A>(f: () => A) => Effect.try({ try: f, catch: fail })
    return Effect.gen(function* () {
      const reader = yield* attempt(() => readerFor(options))
      const decoder = Decoder.make(options.encoding ?? "utf-8")
      const warn = options.onWarning ?? Effect.logWarning
      // Warnings are rare: checked once per piece, handed on in the order they came.
      const handOnWarnings = Effect.suspend(() => {
        if (reader.warnings.length === 0) return Effect.void
        const warnings = reader.warnings.map((warning) => `${name}: ${warning}`)
        reader.warnings = []
        return Effect.forEach(warnings, (warning) => warn(warning), { discard: true })
      })
      const finish = Effect.gen(function* () {
        const rows = yield* attempt(() => {
          const last = decoder.end()
          return reader.end(last.text, last.lossy)
        })
        if (!reader.sawContent && options.allowEmpty !== true)
          return yield* Effect.fail(
            fail(new FatalCsvError("line 1: the file is empty (no header line, no rows)")),
          )
        if (reader.rows === 0 && reader.headerLine !== undefined)
          reader.warnings.push(`line ${reader.headerLine} is the header, and no rows follow`)
        yield* handOnWarnings
        return Chunk.unsafeFromArray(rows)
      })
      const pieces = yield* attempt(open)
      return Stream.fromAsyncIterable(piecesOf(options.chunkSize ?? defaultChunkSize, pieces), fail).pipe(
        Stream.mapConcatChunkEffect((piece) =>
          attempt(() => {
            const decoded = decoder.decode(piece)
            return Chunk.unsafeFromArray(reader.push(decoded.text, decoded.lossy))
          }).pipe(Effect.zipLeft(handOnWarnings)),
        ),
        Stream.concat(Stream.flattenChunks(Stream.fromEffect(finish))),
      )
    }).pipe(Stream.unwrap)
  })

/**
 * Rows of the CSV file at `path`, read 256 KiB at a time; the file is opened on each run.
 *
 * @example
 * ```ts
 * import { CsvSource } from "@brainsync/adapters-csv"
 * import { Mapping, Sync } from "@brainsync/core"
 *
 * const source = CsvSource.fromFile("export.csv", { delimiter: ";", encoding: "latin1" })
 * //    ^? Stream<SourceRow, SourceError>: malformed rows are rejected, the sync goes on
 *
 * const run = Sync.run({
 *   name: "crm-contacts",
 *   source,
 *   mapping: Mapping.make({ key: "customer_no", fields: { email: "E-Mail" } }),
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromFile = (
  path: string,
  options: Options = {},
): Stream.Stream<SourceRow.SourceRow, SourceRow.SourceError> =>
  fromReadable(
    () =>
      createReadStream(path, { highWaterMark: Math.max(readSize, options.chunkSize ?? defaultChunkSize) }),
    options,
    path,
  )
