/**
 * The row checks alone, without papaparse: a probe hands them rows with their extents in the text,
 * as either pass of the reader does, and reads what they emit.
 */
import type { SourceRow } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { FatalCsvError } from "../src/internal/columns.js"
import { type Config, RowChecks } from "../src/internal/rowChecks.js"

const config: Config = {
  delimiter: ",",
  quote: '"',
  escape: '"',
  columns: undefined,
  maxRowChars: 1000,
  strictQuotes: true,
}

class Probe extends RowChecks {
  /**
   * Checks `rows` of `input` (each: its fields, where it ends, and its first stray quote), from
   * line 1. Like the reader's passes, the rows must cover the input from its start, within it.
   */
  check(
    input: string,
    rows: ReadonlyArray<readonly [fields: ReadonlyArray<string>, end: number, stray?: number]>,
    lossy = false,
  ): Array<SourceRow.SourceRow> {
    const out: Array<SourceRow.SourceRow> = []
    this.out = out
    this.checkReplacement = lossy
    this.begin(input, 1)
    let start = 0
    for (const [fields, end, stray] of rows) {
      this.accept(fields, start, end, stray ?? -1)
      start = end
    }
    return out
  }

  /** Where the row of `fields` starting at `start` ends in `input`, and its first stray quote. */
  walk(
    input: string,
    start: number,
    fields: ReadonlyArray<string>,
    exact: boolean,
  ): readonly [number, number] {
    this.begin(input, 1)
    return [this.walkRow(start, fields, exact), this.stray]
  }

  /** Rejects the line the row at `start` begins on; returns where the parse would go on and the rows emitted. */
  rejectLine(input: string, start: number, reason: string) {
    const out: Array<SourceRow.SourceRow> = []
    this.out = out
    this.begin(input, 1)
    this.rejectFirstLine(start, 4, reason)
    return { resumeAt: this.resumeAt, line: this.line, out }
  }
}

describe("rowChecks", () => {
  it("the first row is the header; data rows are records with their line; blank lines only count", () => {
    const probe = new Probe(config)
    const input = "id,email\n1,a@x.org\n\n2,b@x.org\n"
    const rows = probe.check(input, [
      [["id", "email"], 9],
      [["1", "a@x.org"], 19],
      [[""], 20],
      [["2", "b@x.org"], 30],
    ])
    expect(probe.headerLine).toBe(1)
    expect(rows).toEqual([
      { position: "line 2", fields: { id: "1", email: "a@x.org" } },
      { position: "line 4", fields: { id: "2", email: "b@x.org" } },
    ])
    expect(probe.rows).toBe(2)
    expect(probe.sawContent).toBe(true)
  })

  it("an unusable header is fatal, with its line", () => {
    expect(() => new Probe(config).check("a,a\n", [[["a", "a"], 4]])).toThrow(
      new FatalCsvError('line 1: the header: the name "a" is used twice (columns 1 and 2)'),
    )
    expect(() => new Probe({ ...config, columns: ["x", ""] })).toThrow("the given column names")
  })

  it("rejects a row with another number of fields, a stray quote or invalid bytes, keeping what it read", () => {
    const probe = new Probe({ ...config, columns: ["id", "name"] })
    const input = '1,a,extra\n2,b"c\n3,\uFFFD\n4,d\n'
    const rows = probe.check(
      input,
      [
        [["1", "a", "extra"], 10],
        [["2", 'b"c'], 16, 1],
        [["3", "\uFFFD"], 20],
        [["4", "d"], 24],
      ],
      true,
    )
    expect(rows).toEqual([
      {
        position: "line 1",
        fields: { id: "1", name: "a", "column 3": "extra" },
        malformed: "3 fields, expected 2",
      },
      {
        position: "line 2",
        fields: { id: "2", name: 'b"c' },
        malformed: 'stray quote in unquoted field 2 ("name")',
      },
      {
        position: "line 3",
        fields: { id: "3", name: "\uFFFD" },
        malformed: "invalid bytes for the file's encoding",
      },
      { position: "line 4", fields: { id: "4", name: "d" } },
    ])
    expect(probe.rows).toBe(4)
  })

  it("a row with the wrong number of fields over several lines is rejected from its first line, and reading goes on after it", () => {
    const probe = new Probe({ ...config, columns: ["id", "name"] })
    const rows = probe.check('1,"a\nb",x\n2,c\n', [[["1", "a\nb", "x"], 10]])
    expect(rows[0]).toEqual({
      position: "line 1",
      fields: { id: "1", name: '"a' },
      malformed: "3 fields, expected 2; the row runs over lines 1-2, its quotes are probably unbalanced",
    })
    expect(probe.rejectLine('1,"a\nb",x\n2,c\n', 0, "unclosed quote")).toMatchObject({ resumeAt: 5, line: 5 })
  })

  it("rejecting a line of the header is fatal", () => {
    expect(() => new Probe(config).rejectLine('"id,name\n', 0, "unclosed quote")).toThrow(
      new FatalCsvError("line 4: the header cannot be read: unclosed quote"),
    )
  })

  it("walkRow finds a row's end from its fields, quoted or not, and its first stray quote", () => {
    const probe = new Probe(config)
    const input = '1,"say ""hi""",x"y, z\n'
    const fields = ["1", 'say "hi"', 'x"y', " z"]
    expect(probe.walk(input, 0, fields, true)).toEqual([21, 2])
    // Fields that do not add up to the text (the fast pass then leaves the row to step mode).
    expect(probe.walk(input, 0, ["1", 'say "hi"', "x", "y, z"], true)[0]).toBe(-1)
    expect(new Probe({ ...config, strictQuotes: false }).walk(input, 0, fields, true)).toEqual([21, -1])
  })
})
