/**
 * What a CSV row must pass before it becomes a `SourceRow`, and the state of the parse in
 * progress that the checks read: where the input's rows start, the line they are on, the next
 * line break, quote and replacement character. `RowReader` (`rowReader.ts`) drives papaparse over
 * the text and hands each row here (`accept`); a row whose quotes break it is rejected from its
 * first line (`rejectFirstLine`), and the step-mode parse goes on at the next line.
 */
import { SourceRow } from "@brainsync/core"
import type Papa from "papaparse"
import { checkColumns, detach, FatalCsvError, type RecordMaker, recordMaker } from "./columns.js"

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
  /** The encoding's name as a rejected row's reason gives it (`UTF-8`); default "the file's encoding". */
  readonly encoding?: string
  /** `false`: every row in `step` mode (to test the fast pass against). Default `true`. */
  readonly fastPass?: boolean
}

const count = (text: string, search: string): number => {
  let n = 0
  for (let i = text.indexOf(search); i !== -1; i = text.indexOf(search, i + search.length)) n++
  return n
}

/** The header's names without the empty ones that end it, unless no name is left (then the header is wrong as a whole). */
const withoutTrailingEmpty = (names: ReadonlyArray<string>): ReadonlyArray<string> => {
  let end = names.length
  while (end > 1 && names[end - 1]!.trim() === "") end--
  return end === names.length || names[end - 1]!.trim() === "" ? names : names.slice(0, end)
}

export class RowChecks {
  /** How many rows (data rows, rejected ones included) have been emitted. */
  rows = 0
  /** Whether any non-blank line was seen (an empty file has none). */
  sawContent = false
  /** The line the header was read from, once it was. */
  headerLine: number | undefined
  /** Warnings not yet handed on (the reader's caller takes them). */
  warnings: Array<string> = []

  /** Empty names that ended the header (a trailing delimiter): rows may end with as many empty cells. */
  protected trailingEmpty = 0

  protected columns: ReadonlyArray<string> | undefined
  protected makeRecord: RecordMaker | undefined
  protected delimiter = ","
  protected newline: "\n" | "\r" | "\r\n" = "\n"
  protected lineChar = "\n"
  protected checkReplacement = false
  /** The step-mode parse in progress: a row rejected from its first line aborts it. */
  protected parser: Papa.Parser | undefined

  // State of the parse in progress, read by `onRow`.
  protected input = ""
  protected out: Array<Row> = []
  protected rowStart = 0
  protected line = 1
  protected nextLineBreak = 0
  protected nextQuote = 0
  protected nextReplacement = 0
  protected resumeAt = -1
  /** The first stray quote of the row `walkRow` last walked. */
  protected stray = -1

  constructor(protected readonly config: Config) {
    if (config.columns !== undefined) this.setColumns(checkColumns(config.columns, "the given column names"))
  }

  private setColumns(columns: ReadonlyArray<string>) {
    this.columns = columns
    this.makeRecord = recordMaker(columns)
  }

  protected begin(input: string, line: number) {
    this.input = input
    this.rowStart = 0
    this.line = line
    this.resumeAt = -1
    this.nextLineBreak = this.find(this.lineChar, 0)
    this.nextQuote = this.find(this.config.quote, 0)
    this.nextReplacement = this.checkReplacement ? this.find("\uFFFD", 0) : input.length
  }

  /** Position of the next `search` from `from`, or the input's length when there is none. */
  protected find(search: string, from: number): number {
    const at = this.input.indexOf(search, from)
    return at === -1 ? this.input.length : at
  }

  /**
   * Walks a row's fields through the text from `start`; returns where its last field ends and
   * sets `stray` to its first unquoted field holding a quote (-1: none; always -1 without
   * `strictQuotes`). `exact` (the fast pass): -1 when the fields do not add up to the text;
   * otherwise (papaparse already found the row's end) whatever papaparse let follow a closing
   * quote is skipped.
   */
  protected walkRow(start: number, fields: ReadonlyArray<string>, exact: boolean): number {
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
  protected accept(fields: ReadonlyArray<string>, start: number, end: number, stray: number) {
    const input = this.input
    const line = this.line
    this.countLines(end)
    const hasReplacement = this.nextReplacement < end
    if (hasReplacement) this.nextReplacement = this.find("\uFFFD", end)

    if (fields.length === 1 && fields[0] === "" && end - start <= this.newline.length) return // a blank line
    this.sawContent = true
    const columns = this.columns
    if (columns === undefined) {
      const named = withoutTrailingEmpty(fields)
      this.trailingEmpty = fields.length - named.length
      if (this.trailingEmpty > 0)
        this.warnings.push(
          `line ${line}: the header ends with ${this.trailingEmpty === 1 ? "an empty column name" : `${this.trailingEmpty} empty column names`} (a trailing delimiter); ignored, with the empty cells that end the rows`,
        )
      this.setColumns(checkColumns(named, `line ${line}: the header`))
      this.headerLine = line
      return
    }
    if (fields.length !== columns.length && !this.endsWithIgnoredCells(fields)) {
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
    if (hasReplacement)
      return this.reject(
        line,
        this.config.encoding === undefined
          ? "invalid bytes for the file's encoding"
          : `bytes that are not valid ${this.config.encoding} (is the file in another encoding?)`,
        this.record(fields),
      )
    this.rows++
    this.out.push({ position: `line ${line}`, fields: this.makeRecord!(fields, detach) })
  }

  /** A row longer than the header only by empty cells under the header's ignored trailing empty names. */
  protected endsWithIgnoredCells(fields: ReadonlyArray<string>): boolean {
    const columns = this.columns!.length
    if (fields.length <= columns || fields.length > columns + this.trailingEmpty) return false
    for (let i = columns; i < fields.length; i++) if (fields[i] !== "") return false
    return true
  }

  /** Rejects the line a row starts on and makes the parse go on at the line after it. */
  protected rejectFirstLine(start: number, line: number, reason: string) {
    if (this.columns === undefined)
      throw new FatalCsvError(`line ${line}: the header cannot be read: ${reason}`)
    this.reject(line, reason, this.rawFields(this.input, start))
    const lineEnd = this.input.indexOf(this.lineChar, start)
    this.resumeAt = lineEnd === -1 ? this.input.length : lineEnd + 1
    this.line = line + 1
    this.parser?.abort()
  }

  protected reject(line: number, reason: string, fields: Row["fields"]) {
    this.rows++
    this.out.push(SourceRow.malformed(`line ${line}`, reason, fields))
  }

  /** The line starting at `start`, cut at each delimiter: the best reading of a row whose quotes are broken. */
  protected rawFields(input: string, start: number): Row["fields"] {
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
