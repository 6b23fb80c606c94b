/** `brainsync check` through the built command against the sandbox: what it reports, its exit codes, and that it sends no contact. */
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { run, type RunningSandbox, startSandbox, tempDir, writeConfig, writeCsv } from "./helpers.js"

const TOKEN = `check-token-${process.pid}-${Date.now()}`
const UNKNOWN_LIST = "0b4f2c8e-5d7a-4e1b-9c3f-6a2d8e7b1c40"

/** A CSV whose rows all map, with the given header for the email column. */
const writeGoodCsv = (folder: string, rows: number, emailColumn = "email") => {
  const lines = [`id,${emailColumn},first_name,newsletter`]
  for (let i = 1; i <= rows; i++) lines.push(`K${i},person${i}@example.com,Name ${i},yes`)
  writeFileSync(join(folder, "contacts.csv"), `${lines.join("\n")}\n`)
}

const firstLine = (text: string) => text.split("\n")[0]

describe("brainsync check", () => {
  let crm: RunningSandbox
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN] })
  })
  afterAll(() => crm.close())

  const configIn = (folder: string, fields: Record<string, unknown> = {}) =>
    writeConfig(folder, { crm: { baseUrl: crm.url, listId: crm.listId }, ...fields })

  it("a good configuration: one line saying it is ready, exit 0", async () => {
    const dir = tempDir()
    writeGoodCsv(dir, 5)
    const ran = await run(["check", "-c", configIn(dir)], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(ran.stderr).toBe("")
    expect(ran.code).toBe(0)
    expect(ran.stdout).toBe(
      `ready to sync: 5 rows read (the whole source), every mapped column exists and every row maps to a contact; the CRM accepts the token and knows list ${crm.listId}\n`,
    )
  })

  it("the token from standard input, and --rows reads no further than asked (a bad row past it is not seen)", async () => {
    const dir = tempDir()
    writeCsv(dir, 3) // rows 1-3 good, then a bad email and a row with no identity
    const ran = await run(["check", "-c", configIn(dir), "--rows", "3", "--token-stdin"], {
      input: `${TOKEN}\n`,
      env: { MAINBRAINER_TOKEN: undefined },
    })
    expect(ran.code).toBe(0)
    expect(firstLine(ran.stdout)).toMatch(/^ready to sync: 3 rows read, every mapped column exists/)
  })

  it("a token the CRM refuses: exit 3, the token line first, and the token is printed nowhere", async () => {
    const dir = tempDir()
    writeGoodCsv(dir, 2)
    const bad = "not-the-right-token-1234"
    const ran = await run(["check", "-c", configIn(dir)], { env: { MAINBRAINER_TOKEN: bad } })
    expect(ran.code).toBe(3)
    expect(firstLine(ran.stdout)).toBe(
      "token: the CRM refused the token (401: a valid bearer token is required); check MAINBRAINER_TOKEN",
    )
    expect(ran.stderr).toBe(
      "brainsync: not ready to sync: the token is missing or refused; fix the 1 problem listed\n",
    )
    expect(`${ran.stdout}${ran.stderr}`).not.toContain(bad)
  })

  it("no token at all: exit 2, saying how to give one", async () => {
    const dir = tempDir()
    writeGoodCsv(dir, 2)
    const ran = await run(["check", "-c", configIn(dir)], { env: { MAINBRAINER_TOKEN: undefined } })
    expect(ran.code).toBe(2)
    expect(firstLine(ran.stdout)).toBe(
      "token: no CRM token: set MAINBRAINER_TOKEN, or pipe it in with --token-stdin",
    )
  })

  it("a list the CRM does not have: exit 2, naming the list and the field to fix", async () => {
    const dir = tempDir()
    writeGoodCsv(dir, 2)
    const config = writeConfig(dir, { crm: { baseUrl: crm.url, listId: UNKNOWN_LIST } })
    const ran = await run(["check", "-c", config], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(ran.code).toBe(2)
    expect(firstLine(ran.stdout)).toBe(
      `list: the CRM does not know the list ${UNKNOWN_LIST} (unknown list ${UNKNOWN_LIST}); check crm.listId in ${config}`,
    )
    expect(ran.stderr).toContain("the CRM does not know the list")
  })

  it("a mapped column the CSV does not have: exit 2, naming it, listing the columns, suggesting the closest", async () => {
    const dir = tempDir()
    writeGoodCsv(dir, 3, "Email Address")
    const ran = await run(["check", "-c", configIn(dir, { fields: { email: "E-mail" } })], {
      env: { MAINBRAINER_TOKEN: TOKEN },
    })
    expect(ran.code).toBe(2)
    const line = firstLine(ran.stdout)
    expect(line).toMatch(/^column: fields\.email names the column "E-mail", which the source does not have/)
    expect(line).toContain('(its columns: "id", "Email Address", "first_name", "newsletter")')
    expect(line).toContain('did you mean "Email Address"?')
    // Rows are not mapped without the column (each would be rejected for it), and the CRM is still checked: no more lines.
    expect(ran.stdout.trim().split("\n")).toHaveLength(1)
    expect(ran.stderr).toBe(
      "brainsync: not ready to sync: 1 mapped column missing from the source; fix the 1 problem listed\n",
    )
  })

  it("rows that would be rejected: exit 1, one line each with position, field and reason", async () => {
    const dir = tempDir()
    writeCsv(dir, 3)
    const ran = await run(["check", "-c", configIn(dir)], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(ran.code).toBe(1)
    expect(ran.stdout.trim().split("\n")).toEqual([
      "rejected line 5: email: is not an email address",
      "rejected line 6: identity: the row has no contactId, email or mobile number, so the CRM cannot match or create it",
    ])
    expect(ran.stderr).toBe(
      "brainsync: not ready to sync: 2 of 5 rows read would be rejected; fix the 2 problems listed\n",
    )
  })

  it("--json: one JSON object with every problem, the configuration error's code winning", async () => {
    const dir = tempDir()
    writeCsv(dir, 1)
    const config = writeConfig(dir, { crm: { baseUrl: crm.url, listId: UNKNOWN_LIST } })
    const ran = await run(["check", "-c", config, "--json"], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(ran.code).toBe(2)
    const lines = ran.stdout.trim().split("\n")
    expect(lines).toHaveLength(1)
    const out = JSON.parse(lines[0] ?? "") as Record<string, unknown>
    expect(out).toMatchObject({
      ready: false,
      exitCode: 2,
      rows: 3,
      problems: [
        { kind: "row", code: 1, position: "line 3", key: "K2", field: "email" },
        { kind: "row", code: 1, position: "line 4", key: "K3", field: "identity" },
        { kind: "list", code: 2 },
      ],
    })
  })

  it("a configuration that cannot be read: exit 2, nothing else checked", async () => {
    const dir = tempDir()
    const ran = await run(["check", "-c", join(dir, "missing.json")], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(ran.code).toBe(2)
    expect(firstLine(ran.stdout)).toBe(`config: ${join(dir, "missing.json")}: no such file`)
  })

  it("options sync would refuse (batchSize 5000, a mode without a state file): exit 2, as sync says it", async () => {
    const dir = tempDir()
    writeGoodCsv(dir, 3)
    const config = configIn(dir, { batchSize: 5000, mode: "update-only" })
    const ran = await run(["check", "-c", config], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(ran.code).toBe(2)
    expect(ran.stdout.split("\n").slice(0, 2)).toEqual([
      `config: ${config}: batchSize 5000 is not allowed: the CRM takes 1 to 1000 contacts per request (it recommends 100 or fewer)`,
      `config: ${config}: mode update-only sends rows by what the state file knows: set "state" in the configuration, or give --state FILE`,
    ])
    const synced = await run(["sync", "-c", config], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(synced.code).toBe(2)
  })

  // Runs last (vitest runs a file's tests in order).
  it("after all of the above, the sandbox holds no contact and queued no batch, though every check reached it", async () => {
    const stats = await Effect.runPromise(crm.service.stats)
    expect(await Effect.runPromise(crm.service.contacts())).toEqual([])
    expect(stats.contacts).toBe(0)
    expect(stats.batches).toEqual({ queued: 0, applied: 0 })
    // The refused token, the empty batches (400) and the contacts without identity (422).
    expect(stats.requests.byStatus["401"]).toBe(1)
    expect(stats.requests.byStatus["400"]).toBeGreaterThanOrEqual(6)
    expect(stats.requests.byStatus["422"]).toBeGreaterThanOrEqual(6)
    expect(stats.requests.byStatus["202"]).toBeUndefined()
  })
})
