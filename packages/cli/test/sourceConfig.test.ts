import { describe, expect, it } from "@effect/vitest"
import { Either, JSONSchema, Schema } from "effect"
import * as SourceConfig from "../src/internal/sourceConfig.js"

const decode = Schema.decodeUnknownEither(SourceConfig.Source, { errors: "all", onExcessProperty: "error" })
const ok = (input: unknown) => Either.isRight(decode(input))

describe("sourceConfig: the configuration's source variants", () => {
  it("tells CSV, HTTP and SQL sources apart by kind", () => {
    expect(ok({ kind: "csv", path: "a.csv", delimiter: ";", encoding: "latin1" })).toBe(true)
    expect(
      ok({
        kind: "http",
        url: "https://api.example.com/people",
        items: "data",
        pagination: { type: "offset", limit: 100 },
        auth: { bearerEnv: "API_TOKEN" },
      }),
    ).toBe(true)
    expect(ok({ kind: "sql", sqlite: "people.db", table: "people", cursor: ["tenant", "id"] })).toBe(true)
    expect(ok({ kind: "ftp", path: "a.csv" })).toBe(false)
    expect(ok({ kind: "csv", path: "  " })).toBe(false)
    expect(ok({ kind: "csv", path: "a.csv", sheet: 1 })).toBe(false)
  })

  it("each pagination names what it needs: offset a limit, cursor a cursorPath", () => {
    const http = (pagination: unknown) => ok({ kind: "http", url: "https://api.example.com", pagination })
    expect([
      http({ type: "page" }),
      http({ type: "link" }),
      http({ type: "cursor", cursorPath: "meta.next" }),
    ]).toEqual([true, true, true])
    expect(http({ type: "offset" })).toBe(false)
    expect(http({ type: "cursor" })).toBe(false)
  })

  it("a SQL source reads either a table or a query, not both and not neither", () => {
    const sql = (fields: Record<string, unknown>) =>
      decode({ kind: "sql", sqlite: "a.db", cursor: "id", ...fields })
    expect(Either.isRight(sql({ query: "SELECT * FROM people" }))).toBe(true)
    for (const fields of [{}, { table: "people", query: "SELECT 1" }]) {
      const result = sql(fields)
      expect(Either.isLeft(result) && result.left.message).toMatch(/give either table or query/)
    }
  })

  it("the SQL source's JSON Schema says the same: exactly one of table and query", () => {
    const schema = JSON.stringify(JSONSchema.make(SourceConfig.SqlSourceConfig))
    expect(schema).toContain('"oneOf":[{"required":["table"]},{"required":["query"]}]')
  })
})
