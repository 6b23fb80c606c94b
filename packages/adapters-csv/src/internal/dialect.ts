/** The dialect of a CSV text, detected once from its start: its delimiter and its line break. */
import Papa from "papaparse"

/** How much of the text detection reads. */
export const DETECT_SAMPLE = 1 << 16
const GUESSABLE_DELIMITERS = [",", ";", "\t", "|"]

export interface Dialect {
  readonly delimiter: string
  readonly newline: "\n" | "\r" | "\r\n"
  /** The character every line ends with: `\r` for old Mac files, else `\n`. */
  readonly lineChar: "\n" | "\r"
}

/** The given delimiter, or the likeliest of `,` `;` tab `|`; and the line break the text uses (`\n` when it has none). */
export const detect = (
  sample: string,
  config: { readonly delimiter: string | undefined; readonly quote: string; readonly escape: string },
): Dialect => {
  const guess = Papa.parse<Array<string>>(sample.slice(0, DETECT_SAMPLE), {
    delimiter: config.delimiter ?? "",
    delimitersToGuess: GUESSABLE_DELIMITERS,
    quoteChar: config.quote,
    escapeChar: config.escape,
    preview: 50,
    skipEmptyLines: true,
  })
  const newline =
    guess.meta.linebreak === "\r\n" || guess.meta.linebreak === "\r" ? guess.meta.linebreak : "\n"
  return {
    delimiter: config.delimiter ?? guess.meta.delimiter,
    newline,
    lineChar: newline === "\r" ? "\r" : "\n",
  }
}
