/**
 * Text to `SourceRow`s, a piece at a time, with papaparse's low-level `Parser` doing the CSV work.
 * This file adds what the parser does not: real line numbers (a row with quoted newlines is found
 * again at the line it starts on), blank lines, the header, field counts, stray quotes, rows with
 * undecodable bytes, and recovery from broken quotes (the row's first line is rejected and reading
 * goes on at the next line, so an unclosed quote cannot swallow the rest of the file).
 *
 * Two passes of the parser share the checks (`accept`). Data rows are parsed a piece at a time
 * (`readFast`): each row's extent in the text is found again from its fields' lengths, which is
 * exact and cheaper than papaparse's `step` mode (a result object and two arrays per row; the
 * source as a whole read the bench file ~20% faster).
 * The header, and from the first row that needs it the rest of the piece (papaparse reports an
 * error, a row has the wrong number of fields, or its extent does not add up), go through `step`
 * mode, which reports each row's end itself.
 */
import { SourceRow } from "@brainsync/core"
import Papa from "papaparse"

type Row = SourceRow.SourceRow

export interface Config {
  /** `undefined`: detect among `,` `;` tab `|` from the start of the text. */
  readonly delimiter: string | undefined
  readonly quote: string
  readonly escape: string
  /** Names given by the caller: the file has no header line. */
  readonly columns: ReadonlyArray<string> | undefined
  /** A row still unfinished after this many characters is rejected (an unclosed quote, most likely). */
  readonly maxRowChars: number
  /** Reject a quote inside an unquoted field (RFC 4180) instead of keeping it as text. */
  readonly strictQuotes: boolean
  /** `false`: every row in `step` mode (to test the fast pass against). Default `true`. */
  readonly fastPass?: boolean
}

/** The text cannot be read as a table at all (a header that cannot be used). */
export class FatalCsvError extends Error {}

const DETECT_SAMPLE = 1 << 16
const GUESSABLE_DELIMITERS = [",", ";", "\t", "|"]

interface ParseResult {
  readonly data: ReadonlyArray<ReadonlyArray<string>>
  readonly errors: ReadonlyArray<{ readonly code: string; readonly message: string; readonly row: number }>
  readonly meta: { readonly cursor: number }
}

const quoteProblem = (code: string | undefined): string =>
  code === "MissingQuotes"
    ? "unclosed quote: a quoted field never ends"
    : "malformed quotes: a quoted field has text after its closing quote"

export const checkColumns = (names: ReadonlyArray<string>, where: string): ReadonlyArray<string> => {
  const seen = new Map<string, number>()
  names.forEach((name, i) => {
    if (name.trim() === "") throw new FatalCsvError(`${where}: column ${i + 1} has an empty name`)
    if (name === "__proto__") throw new FatalCsvError(`${where}: column ${i + 1} is named "__proto__"`)
    const before = seen.get(name)
    if (before !== undefined)
      throw new FatalCsvError(
        `${where}: the name "${name}" is used twice (columns ${before + 1} and ${i + 1})`,
      )
    seen.set(name, i)
  })
  return names
}

/**
 * V8 keeps a substring of 13 or more characters as a view into its parent string: one field kept
 * by a consumer (a rejected row's key in the report, a ledger entry) would keep the whole decoded
 * piece (~128 KB) alive. Keeping one email per piece of a 1M-row file held 287 MB; this copies
 * such fields out of the piece (the concatenation is flattened into a string of their own).
 */
const detach = (value: string): string => (value.length < 13 ? value : (" " + value).slice(1))

/**
 * A function making a row's record: an object literal with the columns as keys, which V8 builds
 * ~10x faster than one filled key by key (names are JSON-quoted: any text is a safe key).
 */
const recordMaker = (
  columns: ReadonlyArray<string>,
): ((fields: ReadonlyArray<string>, copy: typeof detach) => Record<string, string>) =>
  new Function(
    "fields",
    "copy",
    `return {${columns.map((name, i) => `${JSON.stringify(name)}: copy(fields[${i}])`).join(", ")}}`,
  ) as (fields: ReadonlyArray<string>, copy: typeof detach) => Record<string, string>

const count = (text: string, search: string): number => {
  let n = 0
  for (let i = text.indexOf(search); i !== -1; i = text.indexOf(search, i + search.length)) n++
  return n
}

export class RowReader {
  /** How many rows (data rows, rejected ones included) have been emitted. */
  rows = 0
  /** Whether any non-blank line was seen (an empty file has none). */
  sawContent = false
  /** The line the header was read from, once it was. */
  headerLine: number | undefined

  private columns: ReadonlyArray<string> | undefined
  private makeRecord:
    ((fields: ReadonlyArray<string>, copy: typeof detach) => Record<string, string>) | undefined
  private delimiter = ","
  private newline: "\n" | "\r" | "\r\n" = "\n"
  private lineChar = "\n"
  private detected = false
  private pending = ""
  private pendingLine = 1
  private skipRestOfLine = false
  private checkReplacement = false
  private parser: Papa.Parser | undefined
  private pieceParser: Papa.Parser | undefined

  // State of the parse in progress, read by `onRow`.
  private input = ""
  private out: Array<Row> = []
  private rowStart = 0
  private line = 1
  private nextLineBreak = 0
  private nextQuote = 0
  private nextReplacement = 0
  private resumeAt = -1
  /** The first stray quote of the row `walkRow` last walked. */
  private stray = -1
  // The fast pass's rows: where each ends, and its first stray quote.
  private ends = new Int32Array(0)
  private strays = new Int32Array(0)

  constructor(private readonly config: Config) {
    if (config.columns !== undefined) this.setColumns(checkColumns(config.columns, "the given column names"))
  }

  private setColumns(columns: ReadonlyArray<string>) {
    this.columns = columns
    this.makeRecord = recordMaker(columns)
  }

  /** Reads `text` (the next piece of the input); returns the rows it completes. */
  push(text: string, lossy: boolean): Array<Row> {
    return this.read(text, lossy, false)
  }

  /** Reads the last piece; returns the remaining rows, the last line may lack its line break. */
  end(text: string, lossy: boolean): Array<Row> {
    return this.read(text, lossy, true)
  }

  private read(text: string, lossy: boolean, final: boolean): Array<Row> {
    if (lossy) this.checkReplacement = true
    let input = this.pending + text
    if (this.skipRestOfLine) {
      const lineEnd = input.indexOf(this.lineChar)
      if (lineEnd === -1) {
        this.pending = ""
        return []
      }
      input = input.slice(lineEnd + 1)
      this.skipRestOfLine = false
    }
    if (!this.detected) {
      if (!final && input.length < DETECT_SAMPLE) {
        this.pending = input
        return []
      }
      this.detect(input)
    }
    const out: Array<Row> = []
    this.drain(input, final, out)
    return out
  }

  private detect(sample: string) {
    const guess = Papa.parse<Array<string>>(sample.slice(0, DETECT_SAMPLE), {
      delimiter: this.config.delimiter ?? "",
      delimitersToGuess: GUESSABLE_DELIMITERS,
      quoteChar: this.config.quote,
      escapeChar: this.config.escape,
      preview: 50,
      skipEmptyLines: true,
    })
    this.delimiter = this.config.delimiter ?? guess.meta.delimiter
    this.newline =
      guess.meta.linebreak === "\r\n" || guess.meta.linebreak === "\r" ? guess.meta.linebreak : "\n"
    this.lineChar = this.newline === "\r" ? "\r" : "\n"
    this.detected = true
  }

  /** A parser calling `step` with each row, or, without it, returning a parse's rows together. */
  private makeParser(step?: (result: ParseResult) => void): Papa.Parser {
    const config: Papa.ParseConfig = {
      delimiter: this.delimiter,
      newline: this.newline,
      quoteChar: this.config.quote,
      escapeChar: this.config.escape,
    }
    if (step !== undefined) config.step = step as unknown as NonNullable<Papa.ParseConfig["step"]>
    return new Papa.Parser(config)
  }

  private drain(input: string, final: boolean, out: Array<Row>) {
    this.out = out
    let line = this.pendingLine
    for (;;) {
      this.begin(input, line)
      let cursor =
        this.columns === undefined || this.config.fastPass === false ? -1 : this.readFast(input, final)
      if (cursor < 0) {
        if (cursor < -1) {
          // The fast pass stopped at the start of a row it leaves to `step` mode.
          input = input.slice(-cursor - 2)
          this.begin(input, this.line)
        }
        const parser = (this.parser ??= this.makeParser((result) => this.onRow(result)))
        const result = parser.parse(input, 0, !final) as ParseResult
        if (this.resumeAt !== -1) {
          // The header was read, or a row with broken quotes was rejected and the parser
          // stopped: go on at the next row.
          this.parser = undefined
          input = input.slice(this.resumeAt)
          line = this.line
          continue
        }
        cursor = result.meta.cursor
      }
      const rest = input.slice(cursor)
      line = this.line
      if (final || rest.length <= this.config.maxRowChars) {
        this.pending = rest
        this.pendingLine = line
        return
      }
      // The unfinished row is longer than any row may be: an unclosed quote swallowing the file, most likely.
      this.reject(
        line,
        `row is longer than ${this.config.maxRowChars} characters (an unclosed quote?)`,
        this.rawFields(rest, 0),
      )
      const lineEnd = rest.indexOf(this.lineChar)
      if (lineEnd === -1) {
        this.skipRestOfLine = true
        this.pending = ""
        this.pendingLine = line + 1
        return
      }
      input = rest.slice(lineEnd + 1)
      line = line + 1
    }
  }

  private begin(input: string, line: number) {
    this.input = input
    this.rowStart = 0
    this.line = line
    this.resumeAt = -1
    this.nextLineBreak = this.find(this.lineChar, 0)
    this.nextQuote = this.find(this.config.quote, 0)
    this.nextReplacement = this.checkReplacement ? this.find("\uFFFD", 0) : input.length
  }

  /** Position of the next `search` from `from`, or the input's length when there is none. */
  private find(search: string, from: number): number {
    const at = this.input.indexOf(search, from)
    return at === -1 ? this.input.length : at
  }

  /** A row in `step` mode: papaparse says where it ends. */
  private onRow(result: ParseResult) {
    const start = this.rowStart
    const end = result.meta.cursor
    this.rowStart = end
    const fields = result.data[0] ?? []
    if (result.errors.length > 0)
      return this.rejectFirstLine(start, this.line, quoteProblem(result.errors[0]?.code))
    const hasQuote = this.nextQuote < end
    if (hasQuote) this.nextQuote = this.find(this.config.quote, end)
    let stray = -1
    if (hasQuote && this.config.strictQuotes) {
      this.walkRow(start, fields, false)
      stray = this.stray
    }
    const wasHeader = this.columns === undefined
    this.accept(fields, start, end, stray)
    // The header is read: the data rows go through the fast pass.
    if (wasHeader && this.columns !== undefined && this.resumeAt === -1 && this.config.fastPass !== false) {
      this.resumeAt = end
      this.parser?.abort()
    }
  }

  /**
   * Reads the rows of `input` in one parse and returns where the complete ones end; or, at the
   * first row it leaves to `step` mode, `-2 - start` of that row (its checks are done, its rows
   * out). `-1`: nothing read, the whole input goes to `step` mode.
   */
  private readFast(input: string, final: boolean): number {
    const columns = this.columns!
    const result = (this.pieceParser ??= this.makeParser()).parse(input, 0, !final) as ParseResult
    const data = result.data
    const rows = result.errors.length > 0 ? Math.min(data.length, result.errors[0]!.row) : data.length
    const ends = this.ends.length >= rows + 1 ? this.ends : (this.ends = new Int32Array(rows * 2 + 16))
    const strays = this.strays.length >= rows ? this.strays : (this.strays = new Int32Array(rows * 2 + 16))
    // First pass: where each row ends (ends[i + 1]), without touching any state.
    ends[0] = 0
    let nextQuote = this.nextQuote
    let taken = 0
    for (; taken < rows; taken++) {
      const fields = data[taken]!
      const start = ends[taken]!
      let end = start + (fields.length - 1) * this.delimiter.length
      for (let i = 0; i < fields.length; i++) end += fields[i]!.length
      strays[taken] = -1
      if (nextQuote <= end) {
        end = this.walkRow(start, fields, true)
        if (end === -1) break
        strays[taken] = this.stray
        if (nextQuote < end) nextQuote = this.find(this.config.quote, end)
      }
      if (input.startsWith(this.newline, end)) end += this.newline.length
      else if (!(final && end === input.length)) break
      const blank = fields.length === 1 && fields[0] === "" && end - start <= this.newline.length
      if (fields.length !== columns.length && !blank) break
      ends[taken + 1] = end
    }
    const complete = taken === data.length && result.errors.length === 0
    if (complete && ends[taken] !== result.meta.cursor) return -1 // the extents do not add up: let papaparse say
    // Second pass: the checks, in order.
    for (let i = 0; i < taken; i++) this.accept(data[i]!, ends[i]!, ends[i + 1]!, strays[i]!)
    return complete ? result.meta.cursor : -2 - ends[taken]!
  }

  /**
   * Walks a row's fields through the text from `start`; returns where its last field ends and
   * sets `stray` to its first unquoted field holding a quote (-1: none; always -1 without
   * `strictQuotes`). `exact` (the fast pass): -1 when the fields do not add up to the text;
   * otherwise (papaparse already found the row's end) whatever papaparse let follow a closing
   * quote is skipped.
   */
  private walkRow(start: number, fields: ReadonlyArray<string>, exact: boolean): number {
    const input = this.input
    const { quote, strictQuotes } = this.config
    const quoteCode = quote.charCodeAt(0)
    this.stray = -1
    let at = start
    for (let i = 0; i < fields.length; i++) {
      if (i > 0) {
        if (exact && !input.startsWith(this.delimiter, at)) return -1
        at += this.delimiter.length
      }
      const value = fields[i]!
      if (input.charCodeAt(at) === quoteCode) {
        // Quoted: each quote of the value was written escaped, two characters long.
        at += 2 + value.length + count(value, quote)
        if (exact) {
          if (input.charCodeAt(at - 1) !== quoteCode) return -1
          // papaparse allows spaces between the closing quote and the delimiter.
          while (at < input.length && input.charCodeAt(at) === 0x20) at++
        } else {
          while (at < input.length && !input.startsWith(this.delimiter, at) && input[at] !== this.lineChar)
            at++
        }
      } else {
        if (strictQuotes && this.stray === -1 && value.includes(quote)) this.stray = i
        at += value.length
      }
    }
    return at
  }

  /** Counts the line breaks before `end`: `line` becomes the line after the row ending there. */
  private countLines(end: number) {
    let breaks = 0
    while (this.nextLineBreak < end) {
      breaks++
      this.nextLineBreak = this.find(this.lineChar, this.nextLineBreak + 1)
    }
    this.line += breaks
  }

  /** The checks of one row, which spans `start`-`end` of the input; `stray`: its first unquoted field holding a quote, or -1. */
  private accept(fields: ReadonlyArray<string>, start: number, end: number, stray: number) {
    const input = this.input
    const line = this.line
    this.countLines(end)
    const hasReplacement = this.nextReplacement < end
    if (hasReplacement) this.nextReplacement = this.find("\uFFFD", end)

    if (fields.length === 1 && fields[0] === "" && end - start <= this.newline.length) return // a blank line
    this.sawContent = true
    const columns = this.columns
    if (columns === undefined) {
      this.setColumns(checkColumns(fields, `line ${line}: the header`))
      this.headerLine = line
      return
    }
    if (fields.length !== columns.length) {
      const lastLine = this.line - (input.charCodeAt(end - 1) === this.lineChar.charCodeAt(0) ? 1 : 0)
      const problem = `${fields.length} fields, expected ${columns.length}`
      return lastLine > line
        ? this.rejectFirstLine(
            start,
            line,
            `${problem}; the row runs over lines ${line}-${lastLine}, its quotes are probably unbalanced`,
          )
        : this.reject(line, problem, this.record(fields))
    }
    if (stray !== -1)
      return this.reject(
        line,
        `stray quote in unquoted field ${stray + 1} ("${columns[stray]}")`,
        this.record(fields),
      )
    if (hasReplacement) return this.reject(line, "invalid bytes for the file's encoding", this.record(fields))
    this.rows++
    this.out.push({ position: `line ${line}`, fields: this.makeRecord!(fields, detach) })
  }

  /** Rejects the line a row starts on and makes the parse go on at the line after it. */
  private rejectFirstLine(start: number, line: number, reason: string) {
    if (this.columns === undefined)
      throw new FatalCsvError(`line ${line}: the header cannot be read: ${reason}`)
    this.reject(line, reason, this.rawFields(this.input, start))
    const lineEnd = this.input.indexOf(this.lineChar, start)
    this.resumeAt = lineEnd === -1 ? this.input.length : lineEnd + 1
    this.line = line + 1
    this.parser?.abort()
  }

  private reject(line: number, reason: string, fields: Row["fields"]) {
    this.rows++
    this.out.push(SourceRow.malformed(`line ${line}`, reason, fields))
  }

  /** The line starting at `start`, cut at each delimiter: the best reading of a row whose quotes are broken. */
  private rawFields(input: string, start: number): Row["fields"] {
    const lineEnd = input.indexOf(this.lineChar, start)
    const raw = input.slice(start, lineEnd === -1 ? input.length : lineEnd)
    const text = this.lineChar === "\n" && raw.endsWith("\r") ? raw.slice(0, -1) : raw
    return this.record(text.split(this.delimiter))
  }

  /** Fields by column name; fields beyond the header are kept as `column N`. */
  private record(fields: ReadonlyArray<string>): Record<string, string> {
    const columns = this.columns ?? []
    const record: Record<string, string> = {}
    for (let i = 0; i < fields.length; i++) record[columns[i] ?? `column ${i + 1}`] = detach(fields[i] ?? "")
    return record
  }
}
