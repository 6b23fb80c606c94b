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

      // Found once the run began (the mode needs a state file): still no table.
      const good = writeConfig(dir, { ...crmConfig(), name: "good" })
      const needsState = await run(["sync", "-c", good, "--mode", "update-only"], withToken)
      expectUsage(needsState, /^brainsync: .*mode "update-only" needs a Ledger/)

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
      expect(limited.stderr).toBe("brainsync: 20% of the rows were rejected, more than the allowed 10%\n")
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
    expect(header.trim().split(/\s+/)).toEqual(["started", "took", "read", ...outcomes])
    const rows = lines.slice(lines.indexOf(header) + 1, lines.indexOf(header) + 3)
    expect(firstLine(lines[lines.indexOf(header) + 3]!)).toBe("")
    // Counts end under the end of their column's name.
    for (const name of ["read", ...outcomes]) {
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
