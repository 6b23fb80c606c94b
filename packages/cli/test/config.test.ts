import { describe, expect, it } from "vitest"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { SqlClient } from "@effect/sql"
import { Effect, Either } from "effect"
import { join } from "node:path"
import * as SyncConfig from "../src/SyncConfig.js"
import * as Jsonc from "../src/internal/jsonc.js"
import { jsonLines, runHere, tempDir, writeConfig } from "./helpers.js"

const valid = {
  name: "x",
  crm: { baseUrl: "https://crm.example.com/v1", listId: "9fc6ad7d-902a-4834-b161-a4911b883d44" },
  source: { kind: "csv", path: "a.csv" },
  key: "id",
  fields: { email: "email" },
}

const problem = (input: unknown) => {
  const decoded = SyncConfig.decode(input)
  return Either.isLeft(decoded) ? decoded.left.message : "decoded"
}

describe("the configuration file", () => {
  it("is JSON with comments and trailing commas; comment marks inside strings stay", () => {
    const text = `{\n  // a comment\n  "url": "http://x/y // not a comment", /* block\n comment */ "list": [1, 2,],\n}\n`
    expect(Jsonc.parse(text)).toEqual({
      ok: true,
      value: { url: "http://x/y // not a comment", list: [1, 2] },
    })
    const broken = Jsonc.parse('{\n  "a": 1,\n  "b": ]\n}')
    expect(broken.ok).toBe(false)
    expect(broken.ok ? "" : broken.message).toMatch(/^not valid JSON/)
  })

  it("names the field at fault and what was expected, in one line", () => {
    expect(problem(valid)).toBe("decoded")
    expect(problem({ ...valid, crm: { ...valid.crm, listId: "nope" } })).toBe(
      'crm.listId: expected a Universally Unique Identifier, got "nope"',
    )
    expect(problem({ ...valid, crm: { ...valid.crm, baseUrl: "ftp://x" } })).toBe(
      "crm.baseUrl: expected an http:// or https:// URL",
    )
    expect(problem({ ...valid, source: { kind: "ftp" } })).toBe(
      'source.kind: expected "csv" | "http" | "sql", got "ftp"',
    )
    expect(problem({ ...valid, batchSize: 0 })).toBe("batchSize: expected a positive number, got 0")
    expect(problem({ ...valid, results: { webhook: { listen: "nowhere" } } })).toBe(
      'results.webhook.listen: expected "host:port", like "127.0.0.1:8787"',
    )
    expect(problem({ ...valid, fields: {} })).toContain("no identity column")
    expect(problem({ ...valid, colour: "blue" })).toBe("colour is not a known field")
    expect(problem({ ...valid, source: { kind: "sql", sqlite: "x.db", cursor: "id" } })).toBe(
      "source.table: give either table or query",
    )
    for (const message of [problem({}), problem({ ...valid, name: 3, key: 4 })])
      expect(message).not.toContain("\n")
  })

  it("reads a SQL table as the source", async () => {
    const dir = tempDir()
    await Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, first_name TEXT)`
      for (let i = 1; i <= 25; i++)
        yield* sql`INSERT INTO customers ${sql.insert({ id: i, email: i === 25 ? "broken" : `c${i}@example.com`, first_name: `Name ${i}` })}`
    }).pipe(Effect.provide(SqliteClient.layer({ filename: join(dir, "crm.db") })), Effect.runPromise)
    const config = writeConfig(dir, {
      crm: valid.crm,
      source: { kind: "sql", sqlite: "crm.db", table: "customers", cursor: "id", pageSize: 10 },
    })
    const result = await runHere(["sync", "-c", config, "--dry-run", "--json"])
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    const summary = jsonLines(result.stdout).at(-1)
    expect(summary).toMatchObject({ _tag: "Summary", report: { read: 25, accepted: 24, rejected: 1 } })
    expect(jsonLines(result.stdout).find((event) => event._tag === "RowsRejected")).toMatchObject({
      rows: [{ position: "id 25", field: "email" }],
    })
  })
})
