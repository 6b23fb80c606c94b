/** Dialect detection alone: the delimiter and the line break of a text, from its start. */
import { describe, expect, it } from "@effect/vitest"
import { detect } from "../src/internal/dialect.js"

const quotes = { quote: '"', escape: '"' }
const rows = (delimiter: string, newline: string) =>
  Array.from({ length: 20 }, (_, i) => [`id${i}`, `"a${delimiter}b"`, `c${i}`].join(delimiter)).join(newline)

describe("dialect", () => {
  it("detects each guessable delimiter and line break", () => {
    for (const delimiter of [",", ";", "\t", "|"]) {
      for (const newline of ["\n", "\r\n", "\r"] as const) {
        expect(detect(rows(delimiter, newline), { delimiter: undefined, ...quotes })).toEqual({
          delimiter,
          newline,
          lineChar: newline === "\r" ? "\r" : "\n",
        })
      }
    }
  })

  it("keeps a given delimiter even where another looks likelier", () => {
    expect(detect(rows(";", "\n"), { delimiter: ",", ...quotes }).delimiter).toBe(",")
  })

  it("a text without line breaks reads as `\\n` lines, and an empty text as a comma-separated one", () => {
    expect(detect("a;b;c", { delimiter: undefined, ...quotes })).toMatchObject({
      newline: "\n",
      lineChar: "\n",
    })
    expect(detect("", { delimiter: undefined, ...quotes })).toEqual({
      delimiter: ",",
      newline: "\n",
      lineChar: "\n",
    })
  })
})
