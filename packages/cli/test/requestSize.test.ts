/** `maxRequestBytes` in the configuration reaches the sync: a row whose body alone passes it is rejected, unsent. */
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { jsonLines, run, type RunningSandbox, startSandbox, tempDir, writeConfig } from "./helpers.js"

const TOKEN = `size-token-${process.pid}`

describe("maxRequestBytes", () => {
  let crm: RunningSandbox
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN] })
  })
  afterAll(() => crm.close())

  it("rejects a row too large to send alone, sends the others", async () => {
    const dir = tempDir()
    const long = "x".repeat(3000)
    writeFileSync(
      join(dir, "contacts.csv"),
      `id,email,first_name,newsletter\nS1,s1@example.com,Sam,yes\nS2,s2@example.com,${long},yes\nS3,s3@example.com,Sue,yes\n`,
    )
    const config = writeConfig(dir, {
      name: "sizes",
      crm: { baseUrl: crm.url, listId: crm.listId },
      maxRequestBytes: 2000,
      maxRejectRate: 1,
    })
    const result = await run(["sync", "-c", config, "--json"], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(result.code).toBe(0)
    const events = jsonLines(result.stdout)
    expect(events.at(-1)).toMatchObject({ report: { read: 3, accepted: 2, rejected: 1 } })
    expect(events.find((event) => event._tag === "RowsRejected")).toMatchObject({
      rows: [{ position: "line 3", key: "S2", field: "contact" }],
    })
    const stored = (await Effect.runPromise(crm.service.contacts(crm.listId))).map((contact) => contact.email)
    expect(stored.sort()).toEqual(["s1@example.com", "s3@example.com"])
  })
})
