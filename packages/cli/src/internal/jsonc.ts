/**
 * JSON with comments (JSONC, as in VS Code's settings): `//` and `/* *\/` comments and trailing
 * commas are blanked out before `JSON.parse`, keeping every other character in place so that the
 * parser's positions still point into the file as written.
 */
export const strip = (text: string): string => {
  const out = text.split("")
  let i = 0
  const blank = (from: number, to: number) => {
    for (let j = from; j < to; j++) if (out[j] !== "\n" && out[j] !== "\r") out[j] = " "
  }
  let lastComma = -1
  while (i < text.length) {
    const c = text[i]!
    if (c === '"') {
      lastComma = -1
      i++
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1
      i++
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i)
      const stop = end === -1 ? text.length : end
      blank(i, stop)
      i = stop
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2)
      const stop = end === -1 ? text.length : end + 2
      blank(i, stop)
      i = stop
    } else if (c === ",") {
      lastComma = i
      i++
    } else if (c === "}" || c === "]") {
      if (lastComma !== -1) out[lastComma] = " "
      lastComma = -1
      i++
    } else {
      if (!/\s/.test(c)) lastComma = -1
      i++
    }
  }
  return out.join("")
}

/** Line and column (from 1) of a character offset, for error messages. */
export const lineAndColumn = (text: string, offset: number): { line: number; column: number } => {
  const before = text.slice(0, offset)
  const line = before.split("\n").length
  return { line, column: offset - before.lastIndexOf("\n") }
}

/** Parses JSONC; a syntax error becomes a one-line message with line and column. */
export const parse = (
  text: string,
): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string } => {
  const stripped = strip(text)
  try {
    return { ok: true, value: JSON.parse(stripped) as unknown }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const position = /position (\d+)/.exec(message)
    // Node 20 names no position for some errors, and quotes the text in the message: keep the first clause.
    if (position === null) return { ok: false, message: `not valid JSON: ${message.split(/, "|\n/)[0]}` }
    const { line, column } = lineAndColumn(stripped, Number(position[1]))
    return {
      ok: false,
      message: `not valid JSON at line ${line}, column ${column}: ${message.replace(/ in JSON at position \d+.*$/, "")}`,
    }
  }
}
