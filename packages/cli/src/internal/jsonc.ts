/**
 * JSON with comments (JSONC, as in VS Code's settings: `//` and `/* *\/` comments, trailing
 * commas), read with Microsoft's `jsonc-parser`. A UTF-8 byte order mark (Windows editors save
 * one) is not part of the text; an error is one line with its line and column.
 */
import { createScanner, parse as parseJsonc, type ParseError, printParseErrorCode } from "jsonc-parser"

/**
 * Deeper than any configuration needs. The parser recurses per level, so a file nested
 * thousands deep would overflow the stack; it is refused before parsing.
 */
export const MAX_DEPTH = 64

export type Parsed =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string }

const BOM = "\uFEFF"

const problems: Record<ReturnType<typeof printParseErrorCode>, string> = {
  InvalidSymbol: "unexpected character",
  InvalidNumberFormat: "not a valid number",
  PropertyNameExpected: "expected a field name in double quotes",
  ValueExpected: "expected a value",
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected ","',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: "expected the end of the file after the configuration",
  InvalidCommentToken: "not a valid comment",
  UnexpectedEndOfComment: "a /* comment is not closed",
  UnexpectedEndOfString: "a string is not closed",
  UnexpectedEndOfNumber: "a number is cut short",
  InvalidUnicode: "not a valid \\u escape",
  InvalidEscapeCharacter: "not a valid escape after \\",
  InvalidCharacter: "a control character inside a string (write it as an escape)",
  "<unknown ParseErrorCode>": "not valid JSON",
}

/** Line and column (from 1) of a character offset. */
export const lineAndColumn = (text: string, offset: number): { line: number; column: number } => {
  const before = text.slice(0, offset)
  const line = before.split("\n").length
  return { line, column: offset - before.lastIndexOf("\n") }
}

/** Where the nesting of objects and arrays first passes `MAX_DEPTH` (the scanner does not recurse). */
const tooDeep = (text: string): number | undefined => {
  const scanner = createScanner(text, true)
  let depth = 0
  for (;;) {
    scanner.scan()
    const offset = scanner.getTokenOffset()
    if (offset >= text.length) return undefined
    if (scanner.getTokenLength() !== 1) continue
    const char = text[offset]
    if (char === "{" || char === "[") {
      if (++depth > MAX_DEPTH) return offset
    } else if (char === "}" || char === "]") depth--
  }
}

const describe = (text: string, error: ParseError): string => {
  const { line, column } = lineAndColumn(text, error.offset)
  const found = text.slice(error.offset, error.offset + Math.max(1, error.length)).split(/\r?\n/)[0]!
  const got =
    error.offset >= text.length
      ? ", got the end of the file"
      : found.length > 0 && found.length <= 20
        ? `, got ${JSON.stringify(found)}`
        : ""
  return `not valid JSON at line ${line}, column ${column}: ${problems[printParseErrorCode(error.error)]}${got}`
}

/** Parses JSONC; a syntax error becomes a one-line message with line and column. */
export const parse = (input: string): Parsed => {
  const text = input.startsWith(BOM) ? input.slice(1) : input
  const deep = tooDeep(text)
  if (deep !== undefined) {
    const { line, column } = lineAndColumn(text, deep)
    return {
      ok: false,
      message: `nested more than ${MAX_DEPTH} levels deep at line ${line}, column ${column}; a configuration needs far fewer`,
    }
  }
  const errors: Array<ParseError> = []
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false })
  const first = errors[0]
  return first === undefined ? { ok: true, value } : { ok: false, message: describe(text, first) }
}
