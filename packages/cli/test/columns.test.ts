/**
 * A column the mapping names that the source does not have stops `sync` before anything is sent
 * (exit 2), whatever the source: the CSV's header, the first page of an HTTP source, the SQL
 * result's columns. Dotted paths reach nested fields of JSON items.
 */
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { run, type RunningSandbox, startSandbox, tempDir, writeConfig } from "./helpers.js"

const TOKEN = `columns-token-${process.pid}`

const items = Array.from({ length: 30 }, (_, i) => ({
  id: i + 1,
  contact: { email: `json${i + 1}@example.com`, name: `Zoë ${i + 1}` },
  address: { city: "Nîmes" },
}))

describe("mapped columns are checked against the source before anything is sent", () => {
  let crm: RunningSandbox
  let api: Server
  let apiUrl = ""
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN] })
    api = createServer((request, response) => {
      const page = Number(new URL(request.url ?? "/", "http://x").searchParams.get("page") ?? "1")
      response.setHeader("content-type", "application/json")
      response.end(JSON.stringify(items.slice((page - 1) * 10, page * 10)))
    })
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve))
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/people`
  })
  afterAll(async () => {
    await crm.close()
    await new Promise((resolve) => api.close(resolve))
  })
  const stored = () => Effect.runPromise(crm.service.contacts(crm.listId))
  const sync = (config: string) => run(["sync", "-c", config], { env: { MAINBRAINER_TOKEN: TOKEN } })

  it("a CSV: names the column, lists the header, suggests the closest, exit 2", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "contacts.csv"), "id;Email Address;First Name\n1;ana@example.com;Ana\n")
    const config = writeConfig(dir, {
      name: "csv-columns",
      crm: { baseUrl: crm.url, listId: crm.listId },
      source: { kind: "csv", path: "contacts.csv", delimiter: ";" },
      fields: { email: "E-mail" },
      properties: { "First Name": "First Name" },
    })
    const before = (await stored()).length
    const result = await sync(config)
    expect(result.code).toBe(2)
    expect(result.stderr.split("\n")[0]).toBe(
      `brainsync: ${config}: sync "csv-columns" stopped: mapping: fields.email names the column "E-mail", which the source does not have (its columns: "id", "Email Address", "First Name"); did you mean "Email Address"?`,
    )
    expect((await stored()).length).toBe(before)
  })

  it("an HTTP source: dotted paths reach nested fields; a path its first page does not have is exit 2", async () => {
    const dir = tempDir()
    const source = { kind: "http", url: apiUrl, pagination: { type: "page", size: 10 } }
    const good = writeConfig(dir, {
      name: "json-columns",
      crm: { baseUrl: crm.url, listId: crm.listId },
      source,
      fields: { email: "contact.email" },
      properties: { "First Name": "contact.name", City: "address.city" },
    })
    const ok = await sync(good)
    expect(ok.stderr).toBe("")
    expect(ok.code).toBe(0)
    const ana = (await stored()).find((contact) => contact.email === "json7@example.com")
    expect(ana?.properties.map((p) => [p.propertyName, p.propertyValue]).sort()).toEqual([
      ["City", "Nîmes"],
      ["First Name", "Zoë 7"],
    ])
    const bad = writeConfig(
      dir,
      {
        name: "json-columns-bad",
        crm: { baseUrl: crm.url, listId: crm.listId },
        source,
        fields: { email: "contact.mail" },
        properties: {},
      },
      "bad.json",
    )
    const refused = await sync(bad)
    expect(refused.code).toBe(2)
    expect(refused.stderr.split("\n")[0]).toContain(
      `fields.email names the column "contact.mail", which the source does not have (its columns: "id", "contact", "address")`,
    )
  })

  it("a SQL table: a column its rows do not have is exit 2", async () => {
    const dir = tempDir()
    await Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE people (id INTEGER PRIMARY KEY, mail TEXT)`
      yield* sql`INSERT INTO people ${sql.insert({ id: 1, mail: "sql@example.com" })}`
    }).pipe(Effect.provide(SqliteClient.layer({ filename: join(dir, "people.db") })), Effect.runPromise)
    const config = writeConfig(dir, {
      name: "sql-columns",
      crm: { baseUrl: crm.url, listId: crm.listId },
      source: { kind: "sql", sqlite: "people.db", table: "people", cursor: "id" },
      fields: { email: "email" },
      properties: {},
    })
    const result = await sync(config)
    expect(result.code).toBe(2)
    expect(result.stderr.split("\n")[0]).toBe(
      `brainsync: ${config}: sync "sql-columns" stopped: mapping: fields.email names the column "email", which the source does not have (its columns: "id", "mail"); did you mean "mail"?`,
    )
  })
})
