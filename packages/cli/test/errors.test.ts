/**
 * Problems an operator meets before or while the data goes out, through the real command (the
 * built bin as a child process, the sandbox on 127.0.0.1): each ends with the exit code that says
 * what happened and one line on standard error that says what, where and what to do, never a stack
 * trace. A file the command cannot read or write, impossible CSV options, a damaged state file and
 * a lease held by a live run are found before anything is sent; a full disk under the state file
 * during the run is told with what the state holds and what the next run does; a run killed with
 * SIGKILL does not block the next run on the same machine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { execFileSync, spawn } from "node:child_process"
import { chmodSync, closeSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from "node:fs"
import { join } from "node:path"
import {
  bin,
  root,
  run,
  type Ran,
  type RunningSandbox,
  runProcess,
  startSandbox,
  tempDir,
  writeConfig,
  writeCsv,
} from "./helpers.js"

const TOKEN = `errors-token-${process.pid}`
const withToken = { env: { MAINBRAINER_TOKEN: TOKEN } }

const firstLine = (text: string) => text.split("\n")[0]

/** Exit `code`, nothing on standard output, and `line` as the only line on standard error. */
const expectOneLine = (result: Ran, code: number, line: string | RegExp) => {
  expect({ code: result.code, stdout: result.stdout }).toEqual({ code, stdout: "" })
  expect(result.stderr.split("\n")).toHaveLength(2) // one line, then the final newline
  if (typeof line === "string") expect(result.stderr).toBe(`brainsync: ${line}\n`)
  else expect(firstLine(result.stderr)).toMatch(line)
}

const noStackTrace = (result: Ran) => {
  for (const text of [result.stdout, result.stderr]) {
    expect(text).not.toMatch(/^\s+at /m)
    expect(text).not.toContain("SqlError")
  }
}

const isRoot = process.getuid?.() === 0
/** An unprivileged user for the permission cases: root reads and writes any file. */
const nobody = isRoot ? { uid: 65534, gid: 65534 } : undefined

/** A folder an unprivileged user can reach (mkdtemp makes them 0700). */
const sharedDir = () => {
  const dir = tempDir()
  chmodSync(dir, 0o755)
  return dir
}

describe("errors an operator meets", () => {
  let crm: RunningSandbox
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN] })
  })
  afterAll(() => crm.close())
  const crmConfig = () => ({ crm: { baseUrl: crm.url, listId: crm.listId } })
  const requests = async () => (await Effect.runPromise(crm.service.stats)).requests.total

  describe("the CSV source, before anything is sent (exit 2)", () => {
    it("a folder as the CSV path, with or without an encoding", async () => {
      const dir = tempDir()
      mkdirSync(join(dir, "contacts.csv"))
      for (const encoding of [{}, { encoding: "utf-8" }]) {
        const config = writeConfig(dir, {
          ...crmConfig(),
          source: { kind: "csv", path: "contacts.csv", ...encoding },
        })
        expectOneLine(
          await run(["sync", "-c", config], withToken),
          2,
          `source.path: cannot read the CSV file ${join(dir, "contacts.csv")}: it is a folder; give the CSV file itself`,
        )
      }
    })

    it("init --csv with a folder or a missing file", async () => {
      const dir = tempDir()
      mkdirSync(join(dir, "export.csv"))
      const output = join(dir, "brainsync.json")
      expectOneLine(
        await run(["init", "--csv", join(dir, "export.csv"), "--output", output]),
        2,
        `--csv: cannot read the CSV file ${join(dir, "export.csv")}: it is a folder; give the CSV file itself`,
      )
      expectOneLine(
        await run(["init", "--csv", join(dir, "nope.csv"), "--output", output]),
        2,
        `--csv: cannot read the CSV file ${join(dir, "nope.csv")}: no such file`,
      )
    })

    it("a CSV file the user may not read", async () => {
      const dir = sharedDir()
      const csv = writeCsv(dir, 3)
      chmodSync(csv, 0o000)
      const config = writeConfig(dir, {
        ...crmConfig(),
        source: { kind: "csv", path: "contacts.csv", encoding: "utf-8" },
      })
      expectOneLine(
        await run(["sync", "-c", config, "--dry-run"], { user: nobody }),
        2,
        `source.path: cannot read the CSV file ${csv}: permission denied; give the user running brainsync read access to it`,
      )
    })

    it("header: false without columns, and a delimiter of two characters", async () => {
      const before = await requests()
      const dir = tempDir()
      writeCsv(dir, 3)
      const noColumns = writeConfig(dir, {
        ...crmConfig(),
        source: { kind: "csv", path: "contacts.csv", header: false },
      })
      expectOneLine(
        await run(["sync", "-c", noColumns], withToken),
        2,
        "source: header: false needs the column names in `columns`",
      )
      const twoCharacters = writeConfig(dir, {
        ...crmConfig(),
        source: { kind: "csv", path: "contacts.csv", delimiter: "ab" },
      })
      expectOneLine(
        await run(["sync", "-c", twoCharacters], withToken),
        2,
        `${twoCharacters}: source.delimiter: expected one character (",", ";", "\\t", "|") or "auto"`,
      )
      expect(await requests()).toBe(before)
    })

    it("a file that is one line longer than the row limit says so, with the limit", async () => {
      const dir = tempDir()
      writeFileSync(join(dir, "contacts.csv"), "a".repeat(3 << 20)) // 3 MiB, no line break
      const config = writeConfig(dir, crmConfig())
      const result = await run(["sync", "-c", config, "--dry-run"])
      // Found before anything was sent: a configuration problem (exit 2), one line, no table.
      expect(result.code).toBe(2)
      expect(result.stdout).toBe("")
      expect(firstLine(result.stderr)).toBe(
        `brainsync: ${config}: sync "test-contacts" stopped: the source failed: ${join(dir, "contacts.csv")}: line 1: the header line is longer than the limit of 1,048,576 characters (maxRowChars): is this a CSV file, with line breaks?`,
      )
    })
  })

  describe("output files, checked before anything is sent (exit 2)", () => {
    it("--report under a file, --rejects a folder, --report where the user may not write", async () => {
      const dir = sharedDir()
      writeCsv(dir, 5)
      const config = writeConfig(dir, crmConfig())
      const before = await requests()
      const underFile = join(dir, "contacts.csv", "report.json")
      expectOneLine(
        await run(["sync", "-c", config, "--report", underFile], withToken),
        2,
        `--report: cannot write ${underFile}: a part of its path is a file, not a folder; nothing was sent`,
      )
      mkdirSync(join(dir, "rejects.csv"))
      expectOneLine(
        await run(["sync", "-c", config, "--rejects", join(dir, "rejects.csv")], withToken),
        2,
        `--rejects: cannot write ${join(dir, "rejects.csv")}: it is a folder; give a file's path; nothing was sent`,
      )
      const closed = join(dir, "closed")
      mkdirSync(closed, { mode: 0o555 })
      expectOneLine(
        await run(["sync", "-c", config, "--report", join(closed, "report.json")], {
          ...withToken,
          user: nobody,
        }),
        2,
        `--report: cannot write ${join(closed, "report.json")}: permission denied; give a path the user running brainsync may write; nothing was sent`,
      )
      expect(await requests()).toBe(before)
    })
  })

  describe("the state file", () => {
    it("a folder as the state file, or one under a file, is refused before anything is sent", async () => {
      const before = await requests()
      const dir = tempDir()
      writeCsv(dir, 3)
      mkdirSync(join(dir, "state.db"))
      const config = writeConfig(dir, { ...crmConfig(), name: "folder-state", state: "state.db" })
      expectOneLine(
        await run(["sync", "-c", config], withToken),
        2,
        `state: cannot open the ledger ${join(dir, "state.db")}: it is a folder`,
      )
      expectOneLine(
        await run(["sync", "-c", config, "--state", join(dir, "contacts.csv", "state.db")], withToken),
        2,
        `state: cannot create the folder of ${join(dir, "contacts.csv", "state.db")}`,
      )
      expect(await requests()).toBe(before)
    })

    it("a damaged page is found when the file is opened: named, what to do, exit 2, nothing sent", async () => {
      const dir = tempDir()
      writeCsv(dir, 300)
      const config = writeConfig(dir, { ...crmConfig(), name: "damaged", state: "state.db" })
      const first = await run(["sync", "-c", config], withToken)
      expect(first.code).toBe(0)
      const state = join(dir, "state.db")
      expect(statSync(state).size).toBeGreaterThan(4 * 4096)
      // Page 3 (of 4,096 bytes) overwritten: a disk fault under a table's B-tree.
      const file = openSync(state, "r+")
      writeSync(file, Buffer.alloc(4096, 0xff), 0, 4096, 2 * 4096)
      closeSync(file)
      const before = await requests()
      expectOneLine(
        await run(["sync", "-c", config], withToken),
        2,
        new RegExp(
          `^brainsync: state: the state file ${state.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is damaged \\(.+\\): move it aside and run again \\(the next run then sends every row once more\\), or put back a copy from a backup$`,
        ),
      )
      expect(await requests()).toBe(before)
    })

    it("a full disk during the run: one line with the file, what it holds and what the next run does; exit 1", async () => {
      const dir = tempDir()
      const lines = ["id,email,first_name,city"]
      for (let i = 0; i < 20_000; i++)
        lines.push(`K${i},person${i}@example.com,Name ${i},A city with a long enough name ${i}`)
      writeFileSync(join(dir, "contacts.csv"), `${lines.join("\n")}\n`)
      // A 2 MiB tmpfs when this user may mount one; else a 2 MiB limit on the size of any file the process writes.
      const disk = join(dir, "disk")
      mkdirSync(disk)
      let mounted = false
      if (isRoot)
        try {
          execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", disk], { stdio: "ignore" })
          mounted = true
        } catch {
          // no mount in this sandbox: the file size limit below
        }
      try {
        const config = writeConfig(dir, {
          ...crmConfig(),
          name: "full-disk",
          fields: { email: "email" },
          properties: { "First Name": "first_name", City: "city" },
          state: join(disk, "state.db"),
        })
        const command = `${mounted ? "" : "ulimit -f 4096; "}exec "${process.execPath}" "${bin}" sync -c "${config}"`
        const result = await runProcess("sh", ["-c", command], {
          env: { ...withToken.env, NO_COLOR: "1" },
        })
        expect(result.code).toBe(1)
        noStackTrace(result)
        expect(result.stderr.split("\n")).toHaveLength(2)
        expect(firstLine(result.stderr)).toMatch(
          new RegExp(
            `^brainsync: the state file ${join(disk, "state.db")} could not be used \\(cannot record [^)]*: (database or disk is full|disk I/O error)\\): it holds the [\\d,]+ rows the CRM accepted in this run and those of earlier runs; the other rows are not recorded, and the next run sends them again once the file can be written \\(free disk space, or make it writable\\)$`,
          ),
        )
      } finally {
        if (mounted) execFileSync("umount", [disk])
      }
    }, 120_000)
  })

  describe("the lease", () => {
    it("a live run's lease refuses another run (exit 4); once it is killed (SIGKILL) the next run takes over at once", async () => {
      const dir = tempDir()
      writeCsv(dir, 300)
      const slow = writeConfig(
        dir,
        {
          ...crmConfig(),
          name: "leased",
          state: "state.db",
          batchSize: 10,
          requestsPerSecond: 2,
          concurrency: 1,
        },
        "slow.json",
      )
      const child = spawn(process.execPath, [bin, "sync", "-c", slow], {
        cwd: root,
        env: { ...process.env, MAINBRAINER_TOKEN: TOKEN, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      })
      const closed = new Promise<void>((resolve) => child.on("close", () => resolve()))
      // Under way: it holds the lease and has sent its first batches.
      await new Promise<void>((resolve) => {
        let out = ""
        child.stdout.on("data", (piece) => {
          out += String(piece)
          if (/ [1-9]\d* sent/.test(out)) resolve()
        })
      })
      const quick = writeConfig(dir, { ...crmConfig(), name: "leased", state: "state.db" }, "quick.json")
      expectOneLine(
        await run(["sync", "-c", quick], withToken),
        4,
        new RegExp(
          `^brainsync: another run of sync "leased" is in progress \\(\\S+ pid ${child.pid} #\\w+, last seen \\d+ s ago\\); wait for it to finish$`,
        ),
      )
      child.kill("SIGKILL")
      await closed
      const next = await run(["sync", "-c", quick], withToken)
      expect(next.stderr).toBe("")
      expect(next.code).toBe(0)
      expect(firstLine(next.stdout)).toMatch(
        /^progress: 100% .* 302 read · \d+ sent · \d+ accepted · 2 rejected/,
      )
    }, 120_000)
  })
})
