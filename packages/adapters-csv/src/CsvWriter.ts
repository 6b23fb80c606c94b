/**
 * CSV output for rejects, dead letters and exports: one header line, then one line per record,
 * quoted where needed (RFC 4180). Cells a spreadsheet would run as a formula (starting with `=`,
 * `+`, `-`, `@`, tab or carriage return) get a leading `'` so that opening a rejects file in
 * Excel or LibreOffice cannot execute anything (OWASP "CSV injection"); turn `escapeFormulas`
 * off for files that machines read back.
 *
 * ```ts
 * const rejects = yield* CsvWriter.rejects("rejects.csv", ["email", "name"])
 * yield* rejects.write([{ position: "line 7", reason: "email: is not an email address", fields: row.fields }])
 * ```
 *
 * @since 0.1.0
 * @module
 */
import { Data, Effect } from "effect"
import type { Scope } from "effect"
import { open } from "node:fs/promises"

/**
 * How lines are written: delimiter, quote, line break, formula escaping and byte order mark.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `","` by default. */
  readonly delimiter?: string | undefined
  /** `"` by default; a quote inside a value is doubled. */
  readonly quote?: string | undefined
  /** `"\n"` by default. */
  readonly newline?: "\n" | "\r\n" | undefined
  /** Prefix `'` to cells starting with = + - @ tab or CR. Default `true`. */
  readonly escapeFormulas?: boolean | undefined
  /** Start the file with a UTF-8 byte order mark (Excel needs one to read UTF-8). Default `false`. */
  readonly bom?: boolean | undefined
}

/**
 * A CSV file could not be created or written, or its header names a column twice.
 *
 * @since 0.1.0
 * @category errors
 */
export class CsvWriteError extends Data.TaggedError("CsvWriteError")<{
  readonly path: string
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * A writer of records to one CSV file, from `make` or `rejects`.
 *
 * @since 0.1.0
 * @category models
 */
export interface CsvWriter<A> {
  readonly path: string
  /** Appends the records, in order, in one write. */
  readonly write: (records: Iterable<A>) => Effect.Effect<void, CsvWriteError>
}

/**
 * A rejected or failed row: where it was, why, and the fields it had (by column name).
 *
 * @since 0.1.0
 * @category models
 */
export interface Reject {
  readonly position: string
  readonly reason: string
  /** The field at fault (`email`, `row`, ...), written before the reason when given. */
  readonly field?: string | undefined
  readonly fields?: Readonly<Record<string, unknown>> | undefined
}

const FORMULA_START = /^[=+\-@\t\r]/

/**
 * A value as cell text: strings as they are, `null`/`undefined` empty, objects as JSON, the rest by
 * `String`.
 *
 * @since 0.1.0
 * @category utils
 */
export const cellText = (value: unknown): string =>
  typeof value === "string"
    ? value
    : value === null || value === undefined
      ? ""
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value)

/**
 * Formats one line (line break included) from the values, in order.
 *
 * @since 0.1.0
 * @category utils
 */
export const formatRow = (values: ReadonlyArray<unknown>, options: Options = {}): string => {
  const delimiter = options.delimiter ?? ","
  const quote = options.quote ?? '"'
  const escapeFormulas = options.escapeFormulas ?? true
  const cells = values.map((value) => {
    let text = cellText(value)
    if (escapeFormulas && FORMULA_START.test(text)) text = `'${text}`
    const needsQuotes =
      text.includes(delimiter) || text.includes(quote) || text.includes("\n") || text.includes("\r")
    return needsQuotes ? quote + text.split(quote).join(quote + quote) + quote : text
  })
  // A lone empty cell would be a blank line, which readers skip.
  const line = cells.length === 1 && cells[0] === "" ? quote + quote : cells.join(delimiter)
  return line + (options.newline ?? "\n")
}

/**
 * A whole CSV text: the header line (names are written as they are), then each record's values for
 * `columns`.
 *
 * @since 0.1.0
 * @category utils
 */
export const format = (
  columns: ReadonlyArray<string>,
  records: Iterable<Readonly<Record<string, unknown>>>,
  options: Options = {},
): string => {
  let text =
    (options.bom === true ? "\uFEFF" : "") + formatRow(columns, { ...options, escapeFormulas: false })
  for (const record of records)
    text += formatRow(
      columns.map((column) => record[column]),
      options,
    )
  return text
}

const duplicates = (columns: ReadonlyArray<string>): ReadonlyArray<string> =>
  columns.filter((column, i) => columns.indexOf(column) !== i)

/**
 * Opens (creates or empties) the file at `path`, writes the header line and gives a writer of
 * records with `columns` (a missing value is an empty cell). The file is closed with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  path: string,
  columns: ReadonlyArray<string>,
  options: Options = {},
): Effect.Effect<CsvWriter<Readonly<Record<string, unknown>>>, CsvWriteError, Scope.Scope> =>
  makeWith(path, columns, (record) => columns.map((column) => record[column]), options)

/**
 * A rejects / dead-letter file: `position`, `reason`, then the source's `columns` with the row's
 * original values. A reason names its field (`email: is not an email address`) when one is given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const rejects = (
  path: string,
  columns: ReadonlyArray<string>,
  options: Options = {},
): Effect.Effect<CsvWriter<Reject>, CsvWriteError, Scope.Scope> =>
  makeWith(
    path,
    ["position", "reason", ...columns],
    (reject) => [
      reject.position,
      reject.field === undefined || reject.field === "row"
        ? reject.reason
        : `${reject.field}: ${reject.reason}`,
      ...columns.map((column) => reject.fields?.[column]),
    ],
    options,
  )

const makeWith = <A>(
  path: string,
  header: ReadonlyArray<string>,
  values: (record: A) => ReadonlyArray<unknown>,
  options: Options,
): Effect.Effect<CsvWriter<A>, CsvWriteError, Scope.Scope> =>
  Effect.gen(function* () {
    const twice = duplicates(header)
    if (twice.length > 0)
      return yield* new CsvWriteError({
        path,
        message: `${path}: the column names ${twice.map((name) => `"${name}"`).join(", ")} are used twice`,
      })
    const failed = (doing: string) => (cause: unknown) =>
      new CsvWriteError({
        path,
        message: `cannot ${doing} ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause,
      })
    const file = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => open(path, "w"), catch: failed("create") }),
      (file) => Effect.promise(() => file.close()),
    )
    const append = (text: string) =>
      Effect.tryPromise({ try: () => file.write(text), catch: failed("write to") }).pipe(Effect.asVoid)
    // Headers are names, not data: they are written as they are.
    const headerOptions = { ...options, escapeFormulas: false }
    yield* append((options.bom === true ? "\uFEFF" : "") + formatRow(header, headerOptions))
    return {
      path,
      write: (records) =>
        Effect.suspend(() => {
          let text = ""
          for (const record of records) text += formatRow(values(record), options)
          return text === "" ? Effect.void : append(text)
        }),
    }
  })
