/**
 * A token gone bad is told even when there is nothing to send: the run puts it to the CRM (an
 * empty batch, which cannot change a contact) and ends 3 when it is refused.
 */
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { run, type RunningSandbox, startSandbox, tempDir, writeConfig, writeCsv } from "./helpers.js"

const TOKEN = `token-test-${process.pid}`

describe("a sync with nothing to send", () => {
  let crm: RunningSandbox
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN] })
  })
  afterAll(() => crm.close())

  it("checks the token: refused, exit 3, even though every row is unchanged or the source is empty", async () => {
    const dir = tempDir()
    writeCsv(dir, 40)
    const config = writeConfig(dir, {
      name: "token-check",
      crm: { baseUrl: crm.url, listId: crm.listId },
      state: "state.db",
    })
    const first = await run(["sync", "-c", config], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(first.code).toBe(0)
    const before = await Effect.runPromise(crm.service.stats)

    const unchanged = await run(["sync", "-c", config], { env: { MAINBRAINER_TOKEN: "not-the-token" } })
    expect(unchanged.code).toBe(3)
    expect(unchanged.stderr.split("\n")[0]).toBe(
      `brainsync: the CRM refused the token (401): sync "token-check" stopped: 401 Unauthorized: a valid bearer token is required (checked because the run had nothing to send)`,
    )
    expect(unchanged.stdout).toMatch(/unchanged\s+40/)
    expect(unchanged.stdout + unchanged.stderr).not.toContain("not-the-token")

    writeFileSync(join(dir, "contacts.csv"), "id,email,first_name,newsletter\n")
    const empty = await run(["sync", "-c", config], { env: { MAINBRAINER_TOKEN: "not-the-token" } })
    expect(empty.code).toBe(3)
    // The good token with nothing to send still ends 0, and no contact changed.
    const good = await run(["sync", "-c", config], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(good.code).toBe(0)
    const after = await Effect.runPromise(crm.service.stats)
    expect(after.contacts).toBe(before.contacts)
  })
})
