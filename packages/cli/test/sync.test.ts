import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import {
  jsonLines,
  run,
  runHere,
  type RunningSandbox,
  startSandbox,
  tempDir,
  writeConfig,
  writeCsv,
} from "./helpers.js"

const TOKEN = `test-token-${process.pid}-${Date.now()}`

describe("brainsync sync", () => {
  let crm: RunningSandbox
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN] })
  })
  afterAll(() => crm.close())
  const crmConfig = () => ({ crm: { baseUrl: crm.url, listId: crm.listId } })

  it("syncs a CSV with webhook results, writes the report and rejects, sends nothing the second time, and status shows both runs", async () => {
    const dir = tempDir()
    writeCsv(dir, 30)
    const config = writeConfig(dir, {
      ...crmConfig(),
      name: "happy",
      results: { webhook: { listen: "127.0.0.1:0" } },
      state: "state.db",
    })
    const reportPath = join(dir, "report.json")
    const rejectsPath = join(dir, "rejects.csv")
    const first = await run(["sync", "-c", config, "--report", reportPath, "--rejects", rejectsPath], {
      env: { MAINBRAINER_TOKEN: TOKEN },
    })
    expect(first.stderr).toBe("")
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/inserted\s+30/)
    expect(first.stdout).toMatch(/rejected\s+2/)
    expect(first.stdout).toContain(reportPath)
    const report = JSON.parse(readFileSync(reportPath, "utf8")) as Record<string, unknown>
    expect(report).toMatchObject({
      name: "happy",
      read: 32,
      inserted: 30,
      rejected: 2,
      failed: 0,
      exitCode: 0,
    })
    const rejects = readFileSync(rejectsPath, "utf8").trim().split("\n")
    expect(rejects[0]).toBe("position,outcome,reason,id,email,first_name,newsletter")
    expect(rejects.slice(1).sort()).toEqual([
      "line 32,rejected,email: is not an email address,K31,not-an-email,Bad,yes",
      "line 33,rejected,identity: the row has no contactId, email or mobile number, so the CRM cannot match or create it,K32,,Nobody,no".replace(
        "identity: the row has no contactId, email or mobile number, so the CRM cannot match or create it",
        '"identity: the row has no contactId, email or mobile number, so the CRM cannot match or create it"',
      ),
    ])
    const stored = await import("effect").then(({ Effect }) =>
      Effect.runPromise(crm.service.contacts(crm.listId)),
    )
    expect(stored.filter((contact) => contact.email?.endsWith("@example.com")).length).toBeGreaterThanOrEqual(
      30,
    )

    // The token comes from standard input this time; the state file keeps unchanged rows from being sent.
    const second = await run(["sync", "-c", config, "--token-stdin"], {
      input: `${TOKEN}\n`,
      env: { MAINBRAINER_TOKEN: undefined },
    })
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/unchanged\s+30/)
    expect(second.stdout).toMatch(/requests\s+0/)

    const status = await run(["status", "-c", config, "--json"])
    expect(status.code).toBe(0)
    const state = JSON.parse(status.stdout) as {
      runs: Array<Record<string, unknown>>
      deadLetters: Array<unknown>
    }
    expect(state.runs.map((r) => [r["inserted"], r["unchanged"]])).toEqual([
      [0, 30],
      [30, 0],
    ])
    expect(state.deadLetters).toEqual([])
    const human = await runHere(["status", "-c", config])
    expect(human.stdout).toContain("Last 2 runs")
    expect(human.stdout).toContain("No dead letters.")

    // A dry run over the next export predicts what it would send, field by field, and records nothing.
    const csv = join(dir, "contacts.csv")
    writeFileSync(
      csv,
      readFileSync(csv, "utf8").replace("K1,person1@example.com,Name 1,", "K1,person1@example.com,Renamed,") +
        "K40,person40@example.com,New,no\n",
    )
    const dry = await runHere(["sync", "-c", config, "--dry-run"])
    expect(dry.code).toBe(0)
    expect(dry.stdout).toMatch(/→ insert\s+1/)
    expect(dry.stdout).toMatch(/→ update\s+1/)
    expect(dry.stdout).toContain('property:First Name: "Name 1" → "Renamed"')
    expect(dry.stdout).toMatch(/unchanged\s+29/)
    expect(dry.stdout).toMatch(/progress: .*2 would send/)
    expect(dry.stdout).not.toMatch(/progress: .* sent/)
    const afterDry = JSON.parse((await runHere(["status", "-c", config, "--json"])).stdout) as {
      runs: unknown[]
    }
    expect(afterDry.runs).toHaveLength(2)

    for (const text of [
      first.stdout,
      first.stderr,
      second.stdout,
      second.stderr,
      readFileSync(reportPath, "utf8"),
      readFileSync(rejectsPath, "utf8"),
      status.stdout,
    ])
      expect(text).not.toContain(TOKEN)
  })

  it("--json prints one JSON event per line, ending with the summary", async () => {
    const dir = tempDir()
    writeCsv(dir, 30)
    const config = writeConfig(dir, { ...crmConfig(), name: "json" })
    const result = await run(["sync", "-c", config, "--json"], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(result.code).toBe(0)
    const events = jsonLines(result.stdout)
    expect(events[0]?._tag).toBe("Started")
    expect(events.map((event) => event._tag)).toEqual(
      expect.arrayContaining(["RowsRead", "RowsRejected", "BatchSent", "BatchAccepted", "RowsSettled"]),
    )
    const last = events[events.length - 1]!
    expect(last).toMatchObject({
      _tag: "Summary",
      exitCode: 0,
      report: { read: 32, accepted: 30, rejected: 2 },
    })
  })

  it("exits 3 when the CRM refuses the token (401), without printing the token", async () => {
    const dir = tempDir()
    writeCsv(dir, 5)
    const config = writeConfig(dir, { ...crmConfig(), name: "refused" })
    const wrong = "not-the-right-token-51f0e2"
    const reportPath = join(dir, "report.json")
    const result = await run(["sync", "-c", config, "--report", reportPath], {
      env: { MAINBRAINER_TOKEN: wrong },
    })
    expect(result.code).toBe(3)
    expect(result.stderr).toContain("401")
    expect(result.stdout).toContain("STOPPED")
    for (const text of [result.stdout, result.stderr, readFileSync(reportPath, "utf8")])
      expect(text).not.toContain(wrong)
  })

  it("exits 2 without a token and on a malformed configuration (one line naming the field)", async () => {
    const dir = tempDir()
    writeCsv(dir, 3)
    const good = writeConfig(dir, { ...crmConfig(), name: "usage" })
    const wrongType = writeConfig(dir, { crm: { baseUrl: 12, listId: crm.listId } }, "wrong-type.json")
    const noToken = await run(["sync", "-c", good], { env: { MAINBRAINER_TOKEN: undefined } })
    expect(noToken.code).toBe(2)
    expect(noToken.stderr).toContain("MAINBRAINER_TOKEN")
    const typeError = await run(["sync", "-c", wrongType], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(typeError.code).toBe(2)
    expect(typeError.stderr).toBe(`brainsync: ${wrongType}: crm.baseUrl: expected string, got 12\n`)
  })

  it("exits 2 on usage errors (checked in this process)", async () => {
    const dir = tempDir()
    writeCsv(dir, 3)
    const good = writeConfig(dir, { ...crmConfig(), name: "usage" })
    const missing = writeConfig(dir, { crm: { baseUrl: crm.url } }, "missing.json")
    const typo = writeConfig(dir, { ...crmConfig(), fileds: {} }, "typo.json")
    const broken = join(dir, "broken.json")
    writeFileSync(broken, '{ "name": "x",\n  "crm": }\n')
    const missingField = await runHere(["sync", "-c", missing])
    expect(missingField).toMatchObject({ code: 2, stderr: `brainsync: ${missing}: crm.listId: is missing\n` })
    expect(await runHere(["sync", "-c", typo])).toMatchObject({
      code: 2,
      stderr: `brainsync: ${typo}: fileds is not a known field\n`,
    })
    const notJson = await runHere(["sync", "-c", broken])
    expect(notJson.code).toBe(2)
    expect(notJson.stderr).toMatch(/^brainsync: .*broken.json: not valid JSON/)
    expect((await runHere(["sync", "-c", join(dir, "nope.json")])).stderr).toContain("no such file")
    expect((await runHere(["sync", "-c", good, "--mode", "sideways"])).code).toBe(2)
    // There is no --token flag: a token never goes on the command line.
    expect((await runHere(["sync", "-c", good, "--token", "abc"])).code).toBe(2)
    const badRate = await runHere(["sync", "-c", good, "--dry-run", "--max-reject-rate", "lots"])
    expect(badRate.code).toBe(2)
    expect(badRate.stderr).toContain("--max-reject-rate")
    const badList = await runHere(["sync", "-c", good, "--dry-run", "--list-id", "nope"])
    expect(badList).toMatchObject({ code: 2, stderr: 'brainsync: --list-id: expected a UUID, got "nope"\n' })
    const needsState = await runHere(["sync", "-c", good, "--dry-run", "--mode", "update-only"])
    expect(needsState.code).toBe(2)
    expect((await runHere(["status", "-c", good])).stderr).toContain('status needs a "state" file')
  })

  it("--dry-run sends nothing and needs no token; --max-reject-rate fails the run with exit 1 above the limit", async () => {
    const dir = tempDir()
    writeCsv(dir, 10)
    const config = writeConfig(dir, { ...crmConfig(), name: "dry" })
    const before = (await import("effect").then(({ Effect }) => Effect.runPromise(crm.service.stats)))
      .requests
    const strict = await run(["sync", "-c", config, "--dry-run", "--max-reject-rate", "5%"], {
      env: { MAINBRAINER_TOKEN: undefined },
    })
    const lenient = await runHere(["sync", "-c", config, "--dry-run", "--max-reject-rate", "0.5"])
    expect(strict.code).toBe(1)
    expect(strict.stderr).toContain("16.7% of the 12 rows read were rejected, more than the allowed 5%")
    expect(lenient.code).toBe(0)
    expect(lenient.stdout).toContain("dry run: nothing was sent")
    expect(lenient.stdout).toMatch(/accepted\s+10\s+would be sent/)
    const after = (await import("effect").then(({ Effect }) => Effect.runPromise(crm.service.stats))).requests
    expect(after).toEqual(before)
  })

  it("--dry-run is not paced by requestsPerSecond: it only predicts", async () => {
    const dir = tempDir()
    writeCsv(dir, 40)
    // Paced, 40 requests at one every 2 s would take 78 s, longer than the test may run.
    const config = writeConfig(dir, {
      ...crmConfig(),
      name: "dry-paced",
      batchSize: 1,
      requestsPerSecond: 0.5,
    })
    const dry = await run(["sync", "-c", config, "--dry-run"], { env: { MAINBRAINER_TOKEN: undefined } })
    expect(dry.stderr).toBe("")
    expect(dry.code).toBe(0)
    expect(dry.stdout).toMatch(/accepted\s+40\s+would be sent/)
  })

  it("exits 1 when rows cannot be delivered, keeps them as dead letters, and retry sends them to a CRM that works", async () => {
    const failing = await startSandbox({ tokens: [TOKEN], failRate: 1 })
    try {
      const dir = tempDir()
      writeCsv(dir, 4)
      const broken = writeConfig(
        dir,
        { crm: { baseUrl: failing.url, listId: crm.listId }, name: "dead", state: "state.db" },
        "broken.json",
      )
      // (2 of the 6 rows cannot be sent: above the default reject-rate limit, lifted here.)
      const result = await run(["sync", "-c", broken, "--max-reject-rate", "100%"], {
        env: { MAINBRAINER_TOKEN: TOKEN },
      })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain("4 rows could not be delivered")
      expect(result.stdout).toMatch(/failed\s+4/)
      const dead = JSON.parse((await runHere(["status", "-c", broken, "--json"])).stdout) as {
        deadLetters: Array<{ key: string }>
      }
      expect(dead.deadLetters.map((letter) => letter.key).sort()).toEqual(["K1", "K2", "K3", "K4"])

      const healed = writeConfig(dir, { ...crmConfig(), name: "dead", state: "state.db" }, "healed.json")
      const retried = await run(["retry", "-c", healed], { env: { MAINBRAINER_TOKEN: TOKEN } })
      expect(retried.stderr).toBe("")
      expect(retried.code).toBe(0)
      expect(retried.stdout).toContain("Sending 4 dead letters again")
      expect(retried.stdout).toMatch(/accepted\s+4/)
      const after = JSON.parse((await runHere(["status", "-c", healed, "--json"])).stdout) as {
        deadLetters: Array<unknown>
      }
      expect(after.deadLetters).toEqual([])
      expect((await runHere(["retry", "-c", healed])).stdout).toContain("No dead letters")
    } finally {
      await failing.close()
    }
  })
})
