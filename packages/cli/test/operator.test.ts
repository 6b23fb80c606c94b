/**
 * The operator's path through the real command (the built bin as a child process, the sandbox on
 * 127.0.0.1): configuration files as editors save them, errors that print one line and no table,
 * the interrupted summary, `status`, the rejects file for spreadsheets and the reject-rate limit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import {
  bin,
  jsonLines,
  root,
  run,
  type RunningSandbox,
  startSandbox,
  tempDir,
  writeConfig,
  writeCsv,
} from "./helpers.js"

const TOKEN = `operator-token-${process.pid}`

const firstLine = (text: string) => text.split("\n")[0]

/** The one line a usage error prints, and nothing on standard output. */
const expectUsage = (
  result: { code: number | null; stdout: string; stderr: string },
  line: string | RegExp,
) => {
  expect(result.code).toBe(2)
  expect(result.stdout).toBe("")
  expect(result.stderr.split("\n")).toHaveLength(2) // one line, then the final newline
  if (typeof line === "string") expect(result.stderr).toBe(`brainsync: ${line}\n`)
  else expect(firstLine(result.stderr)).toMatch(line)
}

/** The label → count lines of a summary table's first block (the outcomes), and its `rows read`. */
const tableCounts = (stdout: string) => {
  const lines = stdout.split("\n")
  const rules = lines.flatMap((line, i) => (/^\s+─+$/.test(line) ? [i] : []))
  const count = (line: string) => {
    const found = /^ {2}(\S.*?) {2,}([\d,]+)(?: {2}.*)?$/.exec(line)
    if (found === null) throw new Error(`not a table line: ${JSON.stringify(line)}`)
    return [found[1]!, Number(found[2]!.replace(/,/g, ""))] as const
  }
  const outcomes = new Map(lines.slice(rules[0]! + 1, rules[1]).map(count))
  const read = count(lines.find((line) => line.startsWith("  rows read"))!)[1]
  return { outcomes, read, title: lines[rules[0]! - 1] }
}

describe("the operator's path", () => {
  let crm: RunningSandbox
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN] })
  })
  afterAll(() => crm.close())
  const crmConfig = () => ({ crm: { baseUrl: crm.url, listId: crm.listId } })
  const withToken = { env: { MAINBRAINER_TOKEN: TOKEN } }

  describe("the configuration file (JSONC)", () => {
    it("is read when an editor saved it with a UTF-8 byte order mark", async () => {
      const dir = tempDir()
      writeCsv(dir, 20)
      const path = writeConfig(dir, { ...crmConfig(), name: "bom" })
      writeFileSync(path, `\uFEFF${readFileSync(path, "utf8")}`)
      expect(readFileSync(path)[0]).toBe(0xef)
      const result = await run(["sync", "-c", path], withToken)
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(firstLine(result.stdout)).toMatch(
        /^progress: 100% .* 22 read · 20 sent · 20 accepted · 2 rejected/,
      )
    })

    it("a syntax error is one line with its line and column", async () => {
      const dir = tempDir()
      const path = join(dir, "broken.json")
      writeFileSync(path, '// comment\n{ "name": "x",\n  "crm": ]\n}\n')
      expectUsage(
        await run(["sync", "-c", path], withToken),
        `${path}: not valid JSON at line 3, column 10: expected a value, got "]"`,
      )
      writeFileSync(path, '{ "name": "x" /* never closed\n')
      expectUsage(
        await run(["sync", "-c", path], withToken),
        `${path}: not valid JSON at line 1, column 15: a /* comment is not closed, got "/* never closed"`,
      )
    })

    it("a configuration that is not a JSON object is one line that says what it is", async () => {
      const dir = tempDir()
      const path = join(dir, "brainsync.json")
      for (const [text, what] of [
        ["[1, 2]", "an array"],
        ["null", "null"],
        ["42 // the answer", "a number"],
        ['"brainsync"', "a string"],
      ] as const) {
        writeFileSync(path, text)
        expectUsage(
          await run(["sync", "-c", path], withToken),
          `${path}: the configuration must be a JSON object, got ${what}`,
        )
      }
    })

    it("absurd nesting is one line, not a stack trace", async () => {
      const dir = tempDir()
      const path = join(dir, "deep.json")
      writeFileSync(path, `{ "name": ${"[".repeat(200_000)}`)
      expectUsage(
        await run(["sync", "-c", path], withToken),
        `${path}: nested more than 64 levels deep at line 1, column 74; a configuration needs far fewer`,
      )
    })
  })

  describe("usage and configuration errors", () => {
    it("print one line and no summary table; with --json, one Summary line ends standard output", async () => {
      const dir = tempDir()
      writeCsv(dir, 20)
      const big = writeConfig(dir, { ...crmConfig(), name: "big", batchSize: 5000 }, "big.json")
      const message = `${big}: batchSize 5000 is not allowed: the CRM takes 1 to 1000 contacts per request (it recommends 100 or fewer)`
      expectUsage(await run(["sync", "-c", big], withToken), message)
      expectUsage(await run(["sync", "-c", big, "--dry-run"], withToken), message)

      const json = await run(["sync", "-c", big, "--json"], withToken)
      expect(json.code).toBe(2)
      expect(json.stderr).toBe(`brainsync: ${message}\n`)
      expect(jsonLines(json.stdout)).toEqual([{ _tag: "Summary", exitCode: 2, message }])

      // A mode that needs a state file, without one.
      const good = writeConfig(dir, { ...crmConfig(), name: "good" })
      const needsState = await run(["sync", "-c", good, "--mode", "update-only"], withToken)
      expectUsage(
        needsState,
        `${good}: mode update-only sends rows by what the state file knows: set "state" in the configuration, or give --state FILE`,
      )

      // Every error of sync and retry, with --json.
      const noToken = await run(["sync", "-c", good, "--json"], { env: { MAINBRAINER_TOKEN: undefined } })
      expect(noToken.code).toBe(2)
      expect(jsonLines(noToken.stdout)).toEqual([
        {
          _tag: "Summary",
          exitCode: 2,
          message: "no CRM token: set MAINBRAINER_TOKEN, or pipe it in with --token-stdin",
        },
      ])
      const retry = await run(["retry", "-c", good, "--json"], withToken)
      expect(retry.code).toBe(2)
      expect(jsonLines(retry.stdout)).toEqual([
        {
          _tag: "Summary",
          exitCode: 2,
          message: `${good}: retry needs a "state" file in the configuration, or --state FILE`,
        },
      ])
    })
  })

  describe("the reject-rate limit", () => {
    it("is 10% by default: above it the run ends 1; the configuration or --max-reject-rate 100% lifts it", async () => {
      const dir = tempDir()
      writeCsv(dir, 8) // and 2 rows that cannot be sent: 20%
      const config = writeConfig(dir, { ...crmConfig(), name: "rejects" })
      const limited = await run(["sync", "-c", config], withToken)
      expect(limited.code).toBe(1)
      expect(limited.stderr).toBe(
        'brainsync: sync "rejects" stopped: 20% of the 10 rows read were rejected, more than the allowed 10% (the first, line 10: email is not an email address)\n',
      )
      expect(firstLine(limited.stdout)).toMatch(/^progress: 100% .* 10 read · 8 sent/)
      expect(limited.stdout).toMatch(/rejected\s+2/)

      const off = await run(["sync", "-c", config, "--max-reject-rate", "100%"], withToken)
      expect(off.stderr).toBe("")
      expect(off.code).toBe(0)
      expect(firstLine(off.stdout)).toMatch(/^progress: 100% .* 10 read/)

      const lenient = writeConfig(
        dir,
        { ...crmConfig(), name: "rejects", maxRejectRate: 0.25 },
        "lenient.json",
      )
      const configured = await run(["sync", "-c", lenient], withToken)
      expect(configured.code).toBe(0)
      expect(configured.stderr).toBe("")
    })
  })

  describe("--rejects-bom", () => {
    it("starts the rejects file with a UTF-8 byte order mark for spreadsheets; without it, there is none", async () => {
      const dir = tempDir()
      const lines = ["id,email,first_name,newsletter"]
      for (let i = 1; i <= 20; i++) lines.push(`K${i},person${i}@example.com,Name ${i},yes`)
      lines.push("K21,not-an-email,Zoë Ångström,yes")
      writeFileSync(join(dir, "contacts.csv"), `${lines.join("\n")}\n`)
      const config = writeConfig(dir, { ...crmConfig(), name: "bom-rejects" })
      const plain = join(dir, "plain.csv")
      const forExcel = join(dir, "excel.csv")
      const without = await run(["sync", "-c", config, "--rejects", plain], withToken)
      const withBom = await run(["sync", "-c", config, "--rejects", forExcel, "--rejects-bom"], withToken)
      for (const result of [without, withBom]) {
        expect(result.stderr).toBe("")
        expect(result.code).toBe(0)
        expect(firstLine(result.stdout)).toMatch(/^progress: 100% .* 21 read/)
      }
      const row = "line 22,rejected,email: is not an email address,K21,not-an-email,Zoë Ångström,yes\n"
      const header = "position,outcome,reason,id,email,first_name,newsletter\n"
      expect(readFileSync(plain).subarray(0, 3).toString("hex")).not.toBe("efbbbf")
      expect(readFileSync(plain, "utf8")).toBe(header + row)
      expect(readFileSync(forExcel).subarray(0, 3).toString("hex")).toBe("efbbbf")
      expect(readFileSync(forExcel, "utf8")).toBe(`\uFEFF${header}${row}`)
    })
  })
})

describe("what the data and the CRM say reaches the operator", () => {
  let crm: RunningSandbox
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN] })
  })
  afterAll(() => crm.close())
  const withToken = { env: { MAINBRAINER_TOKEN: TOKEN } }

  /** A Mailchimp-like export: `Status` and `Member Rating` are not in the sandbox's property catalogue. */
  const writeMembers = (dir: string, rows: number) => {
    const lines = ["id,email,first_name,status,rating"]
    for (let i = 1; i <= rows; i++) lines.push(`M${i},member${i}@example.com,Member ${i},subscribed,${i % 5}`)
    writeFileSync(join(dir, "contacts.csv"), `${lines.join("\n")}\n`)
  }
  const members = (dir: string, over: Record<string, unknown> = {}) =>
    writeConfig(dir, {
      crm: { baseUrl: crm.url, listId: crm.listId },
      name: "members",
      key: "id",
      fields: { email: "email" },
      properties: { "First Name": "first_name", Status: "status", "Member Rating": "rating" },
      batchSize: 10,
      concurrency: 1,
      ...over,
    })
  const requests = async () =>
    (await import("effect").then(({ Effect }) => Effect.runPromise(crm.service.stats))).requests.total

  it("a mapped column the source does not have stops before anything is sent (exit 2), naming the closest", async () => {
    const dir = tempDir()
    writeMembers(dir, 5)
    const config = members(dir, { fields: { email: "E-mail" } })
    const before = await requests()
    const result = await run(["sync", "-c", config], withToken)
    expectUsage(
      result,
      `${config}: sync "members" stopped: mapping: fields.email names the column "E-mail", which the source does not have (its columns: "id", "email", "first_name", "status", "rating"); did you mean "email"?`,
    )
    expect(await requests()).toBe(before)
  })

  it("a property the CRM does not know stops the run after the batch that revealed it (exit 2), told in the summary", async () => {
    const dir = tempDir()
    writeMembers(dir, 30)
    const config = members(dir)
    const before = await requests()
    const result = await run(["sync", "-c", config], withToken)
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      'brainsync: sync "members" stopped: the CRM does not know the properties "Status", "Member Rating" (their values were not stored): create them in the CRM or remove them from the mapping (or set allowUnknownProperties to go on without their values)\n',
    )
    expect(firstLine(result.stdout)).toMatch(/^progress: /)
    expect(result.stdout).toMatch(
      / {2}warnings\s+10 {2}properties the CRM does not know: Status, Member Rating\n/,
    )
    expect(result.stdout).toContain("STOPPED: ")
    expect(await requests()).toBe(before + 1)
  })

  it("with allowUnknownProperties they are counted warnings (exit 0): in the summary, the --json events and Summary, and the rejects file", async () => {
    const dir = tempDir()
    writeMembers(dir, 30)
    const config = members(dir, { allowUnknownProperties: true, state: "state.db" })
    const rejects = join(dir, "rejects.csv")
    const table = await run(["sync", "-c", config, "--rejects", rejects], withToken)
    expect(table.stderr).toBe("")
    expect(table.code).toBe(0)
    expect(firstLine(table.stdout)).toMatch(/^progress: 100% .* 30 read · 30 sent · 30 accepted/)
    expect(table.stdout).toMatch(
      / {2}warnings\s+30 {2}properties the CRM does not know: Status, Member Rating\n/,
    )
    const lines = readFileSync(rejects, "utf8").trim().split("\n")
    expect(lines[0]).toBe("position,outcome,reason,id,email,first_name,status,rating")
    expect(lines).toHaveLength(1 + 60) // two warnings per row
    expect(lines).toContain(
      "line 2,warning,Status: the CRM does not know this property: the value was not stored,M1,member1@example.com,Member 1,subscribed,1",
    )
    expect(lines).toContain(
      "line 31,warning,Member Rating: the CRM does not know this property: the value was not stored,M30,member30@example.com,Member 30,subscribed,0",
    )

    // Allowed, the warned rows are remembered as sent: the next run on the state sends nothing.
    const again = await run(["sync", "-c", config, "--json"], withToken)
    expect(again.code).toBe(0)
    expect(jsonLines(again.stdout).at(-1)).toMatchObject({ report: { read: 30, unchanged: 30, warned: 0 } })

    // On a new state, the warnings are events of their own and counts of the Summary.
    const json = await run(["sync", "-c", config, "--json", "--state", join(dir, "fresh.db")], withToken)
    expect(json.stderr).toBe("")
    expect(json.code).toBe(0)
    const events = jsonLines(json.stdout)
    expect(events[0]?._tag).toBe("Started")
    const warned = events.filter((event) => event._tag === "RowsWarned")
    expect(warned.flatMap((event) => event["rows"] as Array<{ field: string }>)).toHaveLength(60)
    expect(events.at(-1)).toMatchObject({
      _tag: "Summary",
      exitCode: 0,
      report: {
        read: 30,
        accepted: 30,
        unchanged: 0,
        warned: 30,
        unknownProperties: ["Status", "Member Rating"],
      },
    })
    expect((events.at(-1)!["report"] as Record<string, unknown>)["warnedRows"]).toBeUndefined()
  })

  it("a contactId the CRM does not know is a warning in the summary and the rejects file; rows merged by email are counted", async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, "contacts.csv"),
      [
        "id,crm_id,email,first_name",
        "A1,,anne@example.com,Anne",
        "A2,,ANNE@example.com ,Anne again",
        "B1,987654321,bob@example.com,Bob",
        ...Array.from({ length: 10 }, (_, i) => `C${i},,c${i}@example.com,C ${i}`),
      ].join("\n") + "\n",
    )
    const config = writeConfig(dir, {
      crm: { baseUrl: crm.url, listId: crm.listId },
      name: "ids",
      fields: { email: "email", contactId: "crm_id" },
    })
    const rejects = join(dir, "rejects.csv")
    const result = await run(["sync", "-c", config, "--rejects", rejects], withToken)
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(firstLine(result.stdout)).toMatch(/^progress: 100% .* 13 read/)
    expect(result.stdout).toMatch(/ {2}warnings\s+1 {2}contactIds the CRM does not know\n/)
    expect(result.stdout).toMatch(
      / {2}merged\s+1 {2}rows with another key than an earlier row, but the same CRM contact\n/,
    )
    expect(readFileSync(rejects, "utf8").trim().split("\n").slice(1)).toEqual([
      "line 4,warning,contactId: the CRM does not know contactId 987654321,B1,987654321,bob@example.com,Bob",
    ])
    const json = await run(["sync", "-c", config, "--json"], withToken)
    expect(json.code).toBe(0)
    const events = jsonLines(json.stdout)
    expect(events.find((event) => event._tag === "RowsMerged")).toEqual({
      _tag: "RowsMerged",
      rows: [{ position: "line 3", key: "A2" }],
    })
    expect(events.find((event) => event._tag === "RowsWarned")).toMatchObject({
      rows: [{ position: "line 4", key: "B1", field: "contactId" }],
    })
    expect(events.at(-1)).toMatchObject({ _tag: "Summary", report: { read: 13, warned: 1, merged: 1 } })
  })

  it("the reject-rate limit is checked during the run: a source that is mostly rejected stops early (exit 1)", async () => {
    const dir = tempDir()
    const lines = ["id,email,first_name,newsletter"]
    for (let i = 1; i <= 50_000; i++)
      lines.push(`K${i},${i % 10 === 0 ? `p${i}@example.com` : `nobody-${i}`},N,yes`)
    writeFileSync(join(dir, "contacts.csv"), `${lines.join("\n")}\n`)
    const config = writeConfig(dir, { crm: { baseUrl: crm.url, listId: crm.listId }, name: "mostly-bad" })
    const result = await run(["sync", "-c", config, "--json"], withToken)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /^brainsync: sync "mostly-bad" stopped: 90% of the \d+ rows read were rejected, more than the allowed 10% \(the first, line 2: email is not an email address\)\n$/,
    )
    const summary = jsonLines(result.stdout).at(-1)!
    expect(summary).toMatchObject({
      _tag: "Summary",
      exitCode: 1,
      report: { stopped: { reason: "RejectRate" } },
    })
    const report = summary["report"] as { read: number }
    expect(report.read).toBeGreaterThanOrEqual(1000)
    expect(report.read).toBeLessThan(50_000)
  })
})

describe("Ctrl-C", () => {
  // The CRM takes batches but applies them a minute later: their results are still pending at the interrupt.
  let slow: RunningSandbox
  beforeAll(async () => {
    slow = await startSandbox({ tokens: [TOKEN], processingDelay: 60_000 })
  })
  afterAll(() => slow.close())

  it("marks the summary as interrupted, and its lines (accepted with results pending, not sent) add up to the rows read", async () => {
    const dir = tempDir()
    writeCsv(dir, 400)
    const config = writeConfig(dir, {
      crm: { baseUrl: slow.url, listId: slow.listId },
      name: "interrupted",
      batchSize: 10,
      requestsPerSecond: 4,
      concurrency: 1,
      results: { webhook: { listen: "127.0.0.1:0" } },
    })
    const child = spawn(process.execPath, [bin, "sync", "-c", config], {
      cwd: root,
      env: { ...process.env, MAINBRAINER_TOKEN: TOKEN, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let out = ""
    let stopped = false
    child.stdout.on("data", (piece) => {
      out += String(piece)
      // Once the CRM has taken a few batches (a second Ctrl-C would kill the command outright).
      const accepted = [...out.matchAll(/(\d+) accepted/g)].map((found) => Number(found[1]))
      if (!stopped && accepted.some((n) => n >= 20)) stopped = child.kill("SIGINT")
    })
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
    expect(code).toBe(130)
    expect(firstLine(out)).toMatch(/^progress: /)
    const { outcomes, read, title } = tableCounts(out.slice(out.indexOf("\n\n")))
    expect(title).toBe("  interrupted  INTERRUPTED: the counts so far")
    expect(read).toBe(402)
    expect(outcomes.get("accepted, result pending")).toBeGreaterThanOrEqual(20)
    expect(outcomes.get("not sent")).toBeGreaterThan(0)
    expect(outcomes.get("inserted")).toBe(0)
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(read)
    expect(out).toMatch(/requests\s+\d+ {2}sent · \d+ batches formed/)
    expect(out).not.toContain("✓")
    expect(out).toContain(
      "Interrupted: rows in batches the CRM had not accepted will be sent by the next run.",
    )
  }, 120_000)
})

describe("brainsync status", () => {
  let crm: RunningSandbox
  let failing: RunningSandbox
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN] })
    failing = await startSandbox({ tokens: [TOKEN], failRate: 1 })
  })
  afterAll(async () => {
    await crm.close()
    await failing.close()
  })

  it("shows every outcome in aligned columns, times with their zone, dead letters in columns; status and retry take --state", async () => {
    const dir = tempDir()
    const keys = ["customer-with-a-rather-long-key-0001", "c2", "customer-with-a-rather-long-key-0003"]
    writeFileSync(
      join(dir, "contacts.csv"),
      `id,email,first_name,newsletter\n${keys.map((key, i) => `${key},p${i}@example.com,N${i},yes`).join("\n")}\n`,
    )
    // No state in the configuration: --state names it.
    const broken = writeConfig(
      dir,
      { crm: { baseUrl: failing.url, listId: crm.listId }, name: "st" },
      "broken.json",
    )
    const healed = writeConfig(
      dir,
      { crm: { baseUrl: crm.url, listId: crm.listId }, name: "st" },
      "healed.json",
    )
    const state = join(dir, "elsewhere/state.db")

    const noState = await run(["status", "-c", healed])
    expectUsage(noState, `${healed}: status needs a "state" file in the configuration, or --state FILE`)
    expectUsage(
      await run(["status", "-c", healed, "--state", state]),
      `${state}: no such state file; a sync with this state file creates it`,
    )
    expect(existsSync(state)).toBe(false)

    const sent = await run(["sync", "-c", healed, "--state", state], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(sent.code).toBe(0)
    // The next export changes every row, and the CRM fails: the rows become dead letters.
    const csv = join(dir, "contacts.csv")
    writeFileSync(csv, readFileSync(csv, "utf8").replace(/,N(\d),/g, ",Renamed $1,"))
    const failed = await run(["sync", "-c", broken, "--state", state], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(failed.code).toBe(1)
    expect(failed.stderr).toBe(
      "brainsync: 3 rows could not be delivered (kept as dead letters; brainsync retry sends them again)\n",
    )

    const status = await run(["status", "-c", healed, "--state", state], { env: { TZ: "Asia/Kolkata" } })
    expect(status.stderr).toBe("")
    expect(status.code).toBe(0)
    expect(firstLine(status.stdout)).toBe(`st → list ${crm.listId}  (state: ${state})`)
    const lines = status.stdout.split("\n")
    const header = lines.find((line) => line.trimStart().startsWith("started"))!
    const outcomes = [
      "inserted",
      "updated",
      "skipped",
      "accepted",
      "unchanged",
      "superseded",
      "rejected",
      "failed",
    ]
    expect(header.trim().split(/\s+/)).toEqual(["started", "took", "read", ...outcomes, "warned"])
    const rows = lines.slice(lines.indexOf(header) + 1, lines.indexOf(header) + 3)
    expect(firstLine(lines[lines.indexOf(header) + 3]!)).toBe("")
    // Counts end under the end of their column's name.
    for (const name of ["read", ...outcomes, "warned"]) {
      const end = header.indexOf(` ${name}`) + name.length + 1
      for (const row of rows) {
        expect(row[end - 1]).toMatch(/\d/)
        expect(row[end] ?? " ").toBe(" ")
      }
    }
    const cell = (row: string, name: string) => {
      const end = header.indexOf(` ${name}`) + name.length + 1
      return Number(row.slice(0, end).trim().split(/\s+/).at(-1))
    }
    // Newest first: the failed run, then the first.
    expect(rows.map((row) => [cell(row, "read"), cell(row, "accepted"), cell(row, "failed")])).toEqual([
      [3, 0, 3],
      [3, 3, 0],
    ])
    // Local time with its offset, matching the UTC time --json gives.
    const json = JSON.parse((await run(["status", "-c", healed, "--state", state, "--json"])).stdout) as {
      runs: Array<{ startedAt: string }>
    }
    const inKolkata = new Date(Date.parse(json.runs[0]!.startedAt) + 5.5 * 3600_000)
      .toISOString()
      .slice(0, 19)
      .replace("T", " ")
    expect(rows[0]!.trimStart().startsWith(`${inKolkata}+05:30`)).toBe(true)

    // Dead letters: position, key and error in columns, a long key never runs into its error.
    const dead = lines
      .slice(lines.findIndex((line) => line.includes("dead letters")) + 1)
      .filter((l) => l !== "")
    expect(dead[0]!.trim().split(/\s{2,}/)).toEqual(["position", "key", "last error"])
    expect(dead.slice(1)).toHaveLength(3)
    const errorAt = dead[0]!.indexOf("last error")
    for (const line of dead.slice(1)) {
      const [position, key, error] = line.trim().split(/\s{2,}/)
      expect(position).toMatch(/^line \d$/)
      expect(keys).toContain(key)
      expect(error).toMatch(/\S/)
      expect(line.indexOf(error!)).toBe(errorAt)
    }

    // retry takes --state too, and delivers them.
    const retried = await run(["retry", "-c", healed, "--state", state], {
      env: { MAINBRAINER_TOKEN: TOKEN },
    })
    expect(retried.stderr).toBe("")
    expect(retried.code).toBe(0)
    expect(firstLine(retried.stdout)).toBe("Sending 3 dead letters again.")
    const after = await run(["status", "-c", healed, "--state", state])
    expect(after.stdout).toContain("No dead letters.")
  }, 120_000)
})
