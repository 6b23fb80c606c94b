/**
 * Text to `SourceRow`s, a piece at a time, with papaparse's low-level `Parser` doing the CSV work.
 * This module and the checks it inherits (`rowChecks.ts`) add what the parser does not: real line
 * numbers (a row with quoted newlines is found again at the line it starts on), blank lines, the
 * header, field counts, stray quotes, rows with undecodable bytes, and recovery from broken quotes
 * (the row's first line is rejected and reading goes on at the next line, so an unclosed quote
 * cannot swallow the rest of the file).
 *
 * Two passes of the parser share the checks (`accept`). Data rows are parsed a piece at a time
 * (`readFast`): each row's extent in the text is found again from its fields' lengths, which is
 * exact and cheaper than papaparse's `step` mode (a result object and two arrays per row).
 * The header, and from the first row that needs it the rest of the piece (papaparse reports an
 * error, a row has the wrong number of fields, or its extent does not add up), go through `step`
 * mode, which reports each row's end itself.
 */
// Why: docs/performance.md, "The CSV fast pass".
import type { SourceRow } from "@brainsync/core"
import Papa from "papaparse"
import { FatalCsvError } from "./columns.js"
import * as Dialect from "./dialect.js"
import { RowChecks } from "./rowChecks.js"

export type { Config } from "./rowChecks.js"

type Row = SourceRow.SourceRow

interface ParseResult {
  readonly data: ReadonlyArray<ReadonlyArray<string>>
  readonly errors: ReadonlyArray<{ readonly code: string; readonly message: string; readonly row: number }>
  readonly meta: { readonly cursor: number }
}

const quoteProblem = (code: string | undefined): string =>
  code === "MissingQuotes"
    ? "unclosed quote: a quoted field never ends"
    : "malformed quotes: a quoted field has text after its closing quote"

export class RowReader extends RowChecks {
  private detected = false
  private pending = ""
  private pendingLine = 1
  private skipRestOfLine = false
  private pieceParser: Papa.Parser | undefined
  // The fast pass's rows: where each ends, and its first stray quote.
  private ends = new Int32Array(0)
  private strays = new Int32Array(0)

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
      if (!final && input.length < Dialect.DETECT_SAMPLE) {
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
    const dialect = Dialect.detect(sample, this.config)
    this.delimiter = dialect.delimiter
    this.newline = dialect.newline
    this.lineChar = dialect.lineChar
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
      if (this.columns === undefined)
        throw new FatalCsvError(
          `line ${line}: the header line is longer than the limit of ${this.config.maxRowChars.toLocaleString("en-US")} characters (maxRowChars): is this a CSV file, with line breaks?`,
        )
      // The unfinished row is longer than any row may be: an unclosed quote swallowing the file, most likely.
      this.sawContent = true
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
      if (fields.length !== columns.length && !blank && !this.endsWithIgnoredCells(fields)) break
      ends[taken + 1] = end
    }
    const complete = taken === data.length && result.errors.length === 0
    if (complete && ends[taken] !== result.meta.cursor) return -1 // the extents do not add up: let papaparse say
    // Second pass: the checks, in order.
    for (let i = 0; i < taken; i++) this.accept(data[i]!, ends[i]!, ends[i + 1]!, strays[i]!)
    return complete ? result.meta.cursor : -2 - ends[taken]!
  }
}
