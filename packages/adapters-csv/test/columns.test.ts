/** Column names and row records alone: which headers can be used, records by name, fields copied out of their piece. */
import { describe, expect, it } from "@effect/vitest"
import { checkColumns, detach, FatalCsvError, recordMaker } from "../src/internal/columns.js"

describe("columns", () => {
  it("checkColumns returns usable names and refuses empty, repeated and __proto__ names, saying where", () => {
    const names = ["id", "e-mail", "Name with spaces", "ü"]
    expect(checkColumns(names, "the header")).toBe(names)
    expect(() => checkColumns(["a", " "], "line 3: the header")).toThrow(
      new FatalCsvError("line 3: the header: column 2 has an empty name"),
    )
    expect(() => checkColumns(["a", "b", "a"], "the header")).toThrow(
      'the header: the name "a" is used twice (columns 1 and 3)',
    )
    expect(() => checkColumns(["__proto__"], "the header")).toThrow('column 1 is named "__proto__"')
    expect(() => checkColumns(["a", ""], "x")).toThrow(FatalCsvError)
  })

  it("recordMaker builds a record by column name from any names, copying each field with the given copy", () => {
    const make = recordMaker(["id", 'quote"d', "back\\slash", "constructor", "line\nbreak"])
    const record = make(["1", "2", "3", "4", "5"], (value) => `<${value}>`)
    expect(record).toEqual({
      id: "<1>",
      'quote"d': "<2>",
      "back\\slash": "<3>",
      constructor: "<4>",
      "line\nbreak": "<5>",
    })
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype)
  })

  it("detach returns an equal string, short or long", () => {
    const piece = "x".repeat(1000)
    expect(detach("short")).toBe("short")
    const long = piece.slice(10, 40)
    expect(detach(long)).toBe(long)
    expect(detach("")).toBe("")
  })
})
