/**
 * Identity as the CRM sees it, through the command: an email key compares case-insensitively,
 * rows of one email under different keys are counted as merged, and a per-row country column
 * parses each row's national mobile number in its own country.
 */
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { jsonLines, run, type RunningSandbox, startSandbox, tempDir, writeConfig } from "./helpers.js"

const TOKEN = `identity-token-${process.pid}`

describe("identity as the CRM sees it", () => {
  let crm: RunningSandbox
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN] })
  })
  afterAll(() => crm.close())
  const stored = () => Effect.runPromise(crm.service.contacts(crm.listId))
  const sync = (config: string) =>
    run(["sync", "-c", config, "--json"], { env: { MAINBRAINER_TOKEN: TOKEN } })
  const summaryOf = (stdout: string) => jsonLines(stdout).find((line) => line._tag === "Summary")

  it("an email key: ANNE@ and anne@ are one key (the later row wins), one contact in the CRM", async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, "contacts.csv"),
      "email,first_name\nANNE@Example.com,Anne\n anne@example.com ,Anne-Marie\nbob@example.com,Bob\n",
    )
    const config = writeConfig(dir, {
      name: "email-key",
      crm: { baseUrl: crm.url, listId: crm.listId },
      key: "email",
      fields: { email: "email" },
    })
    const result = await sync(config)
    expect(result.code).toBe(0)
    expect(summaryOf(result.stdout)).toMatchObject({
      report: { read: 3, superseded: 1, accepted: 2, merged: 0 },
    })
    const annes = (await stored()).filter((contact) => contact.email?.toLowerCase() === "anne@example.com")
    expect(annes.length).toBe(1)
    expect(annes[0]!.properties.find((p) => p.propertyName === "First Name")?.propertyValue).toBe(
      "Anne-Marie",
    )
  })

  it("other keys sharing an email (in any case) are counted merged", async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, "contacts.csv"),
      "id,email,first_name\nA1,carl@example.com,Carl\nA2,CARL@example.com,Carl B\nA3,dora@example.com,Dora\n",
    )
    const config = writeConfig(dir, {
      name: "merged",
      crm: { baseUrl: crm.url, listId: crm.listId },
      fields: { email: "email" },
    })
    const result = await sync(config)
    expect(result.code).toBe(0)
    expect(summaryOf(result.stdout)).toMatchObject({ report: { read: 3, accepted: 3, merged: 1 } })
    expect(jsonLines(result.stdout).find((line) => line._tag === "RowsMerged")).toMatchObject({
      rows: [{ position: "line 3", key: "A2" }],
    })
  })

  it("fields.phoneCountry: each row's national mobile number in its own country", async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, "contacts.csv"),
      "id,email,phone,country\nP1,fr@example.com,06 12 34 56 78,FR\nP2,de@example.com,0151 23456789,de\nP3,us@example.com,(201) 555-0123,\n",
    )
    const config = writeConfig(dir, {
      name: "countries",
      crm: { baseUrl: crm.url, listId: crm.listId },
      fields: { email: "email", phone: "phone", phoneCountry: "country" },
      properties: {},
      defaultCountry: "US",
    })
    const result = await sync(config)
    expect(result.code).toBe(0)
    expect(summaryOf(result.stdout)).toMatchObject({ report: { read: 3, accepted: 3, rejected: 0 } })
    const mobiles = Object.fromEntries(
      (await stored())
        .filter((contact) => ["fr", "de", "us"].some((c) => contact.email === `${c}@example.com`))
        .map((contact) => [contact.email, [contact.mobileCountryCode, contact.mobileNumber]]),
    )
    expect(mobiles).toEqual({
      "fr@example.com": [33, 612345678],
      "de@example.com": [49, 15123456789],
      "us@example.com": [1, 2015550123],
    })
  })
})
