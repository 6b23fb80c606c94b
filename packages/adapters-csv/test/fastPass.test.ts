import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { type Config, RowReader } from "../src/internal/rowReader.js"

/**
 * The reader parses data rows a piece at a time and finds each row's extent again from its fields
 * (the fast pass); `step` mode, where papaparse reports every row's end, is the reference. Both
 * must read any text, however broken, into the same rows, positions and reasons.
 */
const token = fc.constantFrom(
  ",",
  ";",
  '"',
  '""',
  "\\",
  "'",
  "|",
  "\n",
  "\r\n",
  "\r",
  " ",
  "a",
  "bc",
  "é",
  "李",
  "\uFFFD",
  "=1",
)
const tail = fc.array(fc.oneof(token, fc.constantFrom("x,y,z\n", '"q,\n",r,s\n')), { maxLength: 400 })

// Past the 64 KiB sample the reader waits for before it detects the newline and delimiter, so
// that pieces after it are read while more text is to come (the last row of each may be partial).
const filler = Array.from({ length: 7000 }, (_, i) => `${i},"v ${i}",w${i}\n`).join("")

type Outcome = ReturnType<typeof read>

const read = (text: string, cuts: ReadonlyArray<number>, config: Config) => {
  const reader = new RowReader(config)
  const rows: Array<unknown> = []
  try {
    let at = 0
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      rows.push(...reader.push(text.slice(at, Math.max(at, cut)), false))
      at = Math.max(at, cut)
    }
    rows.push(...reader.end(text.slice(at), false))
  } catch (error) {
    rows.push(`fatal: ${(error as Error).message}`)
  }
  return {
    rows,
    count: reader.rows,
    headerLine: reader.headerLine,
    sawContent: reader.sawContent,
    warnings: reader.warnings,
  }
}

const bothWays = (text: string, cuts: ReadonlyArray<number>, config: Omit<Config, "fastPass">) => {
  const fast: Outcome = read(text, cuts, { ...config, fastPass: true })
  const step: Outcome = read(text, cuts, { ...config, fastPass: false })
  expect(fast).toEqual(step)
  return fast
}

const config = {
  delimiter: undefined,
  quote: '"',
  escape: '"',
  columns: undefined,
  maxRowChars: 1 << 20,
  strictQuotes: true,
}

describe("the fast pass", () => {
  it("reads any text exactly as step mode does", () =>
    fc.assert(
      fc.property(
        fc.boolean(),
        tail,
        fc.array(fc.nat(90_000), { maxLength: 12 }),
        fc.boolean(),
        fc.constantFrom(40, 1 << 20),
        // A trailing delimiter or two: rows may end with as many empty cells.
        fc.constantFrom("id,name,city\n", "id,name,city,\n", "id,name,city,,\n"),
        (long, tokens, cuts, strictQuotes, maxRowChars, header) => {
          const text =
            header + (long ? filler + (header.endsWith(",\n") ? "1,a,b,\n" : "") : "") + tokens.join("")
          bothWays(text, cuts, { ...config, strictQuotes, maxRowChars })
        },
      ),
      { numRuns: Number(process.env.FAST_PASS_RUNS ?? 200) },
    ))

  it("reads files without header line and other delimiters, quotes and escapes the same way", () =>
    fc.assert(
      fc.property(
        tail,
        fc.array(fc.nat(90_000), { maxLength: 12 }),
        fc.constantFrom(
          { delimiter: ";", quote: '"', escape: '"' },
          { delimiter: "||", quote: "'", escape: "\\" },
          { delimiter: ",", quote: '"', escape: "\\" },
        ),
        (tokens, cuts, dialect) => {
          const swap = (s: string) =>
            s
              .replaceAll(",", dialect.delimiter)
              .replaceAll('"', dialect.quote)
              .replaceAll("\\", dialect.escape)
          const text = swap(filler + tokens.join(""))
          bothWays(text, cuts, { ...config, ...dialect, columns: ["id", "name", "city"] })
        },
      ),
      { numRuns: Number(process.env.FAST_PASS_RUNS ?? 100) },
    ))

  it("positions rows at the line they start on, across quoted line breaks and pieces", () => {
    const text = "id,name,city\n" + filler + '1,"two\nlines",x\n2,"three\r\nli\nnes",y\r\n3,plain,z\n'
    const { rows } = bothWays(text, [70_000, 90_123], config)
    const last = rows.slice(-3) as Array<{ position: string; fields: Record<string, string> }>
    const fillerLines = 7000
    expect(last.map((row) => row.position)).toEqual([
      `line ${2 + fillerLines}`,
      `line ${4 + fillerLines}`,
      `line ${7 + fillerLines}`,
    ])
    expect(last[1]?.fields).toEqual({ id: "2", name: "three\r\nli\nnes", city: "y\r" })
  })
})
