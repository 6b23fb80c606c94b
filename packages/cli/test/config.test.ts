import { Ajv } from "ajv"
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

/** A full configuration: every optional field of the file set. */
const full = {
  $schema: "./node_modules/@brainsync/cli/dist/brainsync.schema.json",
  ...valid,
  crm: { ...valid.crm, timeoutSeconds: 10, allowInsecureToken: false },
  source: {
    kind: "csv",
    path: "a.csv",
    delimiter: ";",
    encoding: "latin1",
    header: false,
    columns: ["id", "email"],
  },
  fields: {
    email: "email",
    emailOptIn: "newsletter",
    phone: "phone",
    mobileOptIn: "sms",
    contactId: "crm_id",
  },
  defaultCountry: "US",
  properties: { "First Name": "first_name" },
  propertyIds: { "0b6f4a4e-4bb4-4e52-9e0f-5a7c2d1e9f10": "company" },
  batchSize: 100,
  requestsPerSecond: 2.5,
  concurrency: 4,
  results: { webhook: { listen: "127.0.0.1:8787", publicUrl: "https://hooks.example.com" } },
  state: ".brainsync/x.db",
  mode: "update-only",
  maxRejectRate: 0.05,
  maxRequestBytes: 1_000_000,
  allowUnknownProperties: true,
}

// A real JSON Schema validator (draft-07). Formats (uri) are annotations for editors; the decoder checks URLs itself.
const validator = new Ajv({ allErrors: true, validateFormats: false })

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
      yield* sql`CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, first_name TEXT, newsletter TEXT)`
      for (let i = 1; i <= 25; i++)
        yield* sql`INSERT INTO customers ${sql.insert({ id: i, email: i === 25 ? "broken" : `c${i}@example.com`, first_name: `Name ${i}`, newsletter: "yes" })}`
    }).pipe(Effect.provide(SqliteClient.layer({ filename: join(dir, "crm.db") })), Effect.runPromise)
    const config = writeConfig(dir, {
      crm: valid.crm,
      source: { kind: "sql", sqlite: "crm.db", table: "customers", cursor: "id", pageSize: 10 },
      fields: { email: "email" },
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

  it("has a JSON Schema, made from its Schema, that accepts and refuses what the decoder does", () => {
    const schema = SyncConfig.jsonSchema
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#")
    expect(JSON.stringify(schema)).not.toContain("$ref")
    const top = schema as typeof schema & {
      readonly required: ReadonlyArray<string>
      readonly additionalProperties: unknown
      readonly properties: Record<string, { readonly anyOf?: ReadonlyArray<Record<string, unknown>> }>
    }
    expect(top.additionalProperties).toBe(false)
    expect([...top.required].sort()).toEqual(["crm", "key", "name", "source"])
    expect(Object.keys(top.properties)).toEqual(expect.arrayContaining(Object.keys(full)))
    const kinds = top.properties.source!.anyOf!.map((variant) => {
      expect(variant.additionalProperties).toBe(false)
      return (variant.properties as { kind: { enum: ReadonlyArray<string> } }).kind.enum
    })
    expect(kinds).toEqual([["csv"], ["http"], ["sql"]])

    const validate = validator.compile(schema)
    const cases: ReadonlyArray<unknown> = [
      valid,
      full,
      {
        ...valid,
        source: {
          kind: "sql",
          sqlite: "x.db",
          query: "SELECT 1",
          cursor: ["a", "b"],
          params: [1, "a", null, true],
          pageSize: 10,
        },
      },
      {
        ...valid,
        source: {
          kind: "http",
          url: "https://x.example.com/y",
          items: "data.items",
          pagination: { type: "cursor", cursorPath: "meta.next" },
          auth: { header: "X-Api-Key", valueEnv: "KEY" },
          headers: { A: "b" },
        },
      },
      { ...valid, source: { kind: "http", url: "http://x", pagination: { type: "offset", limit: 2.5 } } },
      { ...valid, source: { kind: "http", url: "ftp://x", pagination: { type: "link" } } },
      { ...valid, source: { kind: "sql", sqlite: "x.db", cursor: "id", table: "t", query: "SELECT 1" } },
      { ...valid, source: { kind: "sql", sqlite: "x.db", cursor: "id", table: "t", pageSize: 0 } },
      { ...valid, crm: { ...valid.crm, listId: "nope" } },
      { ...valid, batchSize: 1.5 },
      { ...valid, name: " x" },
      { ...valid, results: { webhook: { listen: "nowhere" } } },
      { ...valid, maxRejectRate: 2 },
      { ...valid, fields: {} },
      { ...valid, fields: { phone: "phone", mobileNumber: "mobile" } },
      { ...valid, propertyIds: { nope: "company" } },
      { ...valid, $schema: 3 },
      { ...valid, colour: "blue" },
      { ...valid, source: { kind: "csv", path: "a.csv", delimiter: "ab" } },
      { ...valid, source: { kind: "csv", path: "a.csv", delimiter: "" } },
      { ...valid, source: { kind: "csv", path: "a.csv", delimiter: "auto" } },
      { ...valid, source: { kind: "csv", path: "a.csv", delimiter: "\t" } },
    ]
    for (const input of cases)
      expect({ input, valid: validate(input), errors: validate.errors }).toMatchObject({
        input,
        valid: problem(input) === "decoded",
      })
    expect(problem(full)).toBe("decoded")
    expect(validate(full)).toBe(true)
  })

  it("describes the reject-rate default and allowUnknownProperties in the JSON Schema, from the constants the command uses", () => {
    const properties = (SyncConfig.jsonSchema as { properties: Record<string, { description?: string }> })
      .properties
    expect(SyncConfig.DEFAULT_MAX_REJECT_RATE).toBe(0.1)
    expect(properties["maxRejectRate"]?.description).toContain(
      `checked once ${SyncConfig.REJECT_RATE_FROM} rows were read, and at the end. Default 0.1 (10%); 1 turns the check off.`,
    )
    expect(properties["allowUnknownProperties"]?.description).toMatch(
      /^A property the CRM does not know .* Default false/,
    )
  })

  it('loads a file with "$schema" (which it ignores); an unknown field is still an error', async () => {
    const dir = tempDir()
    const withSchema = writeConfig(dir, { crm: valid.crm, $schema: "./brainsync.schema.json" })
    const loaded = await Effect.runPromise(SyncConfig.load(withSchema))
    expect(loaded.$schema).toBe("./brainsync.schema.json")
    expect(loaded.name).toBe("test-contacts")
    const unknown = writeConfig(
      dir,
      { crm: valid.crm, $schema: "./brainsync.schema.json", colour: "blue" },
      "unknown.json",
    )
    const failed = await Effect.runPromise(Effect.flip(SyncConfig.load(unknown)))
    expect(failed.message).toBe(`${unknown}: colour is not a known field`)
  })
})
