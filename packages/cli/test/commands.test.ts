import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import { styleFor } from "../src/internal/format.js"
import {
  bin,
  root,
  run,
  type RunningSandbox,
  startSandbox,
  tempDir,
  writeConfig,
  writeCsv,
} from "./helpers.js"

describe("brainsync demo, sandbox", () => {
  it("demo: syncs the example export into an in-process sandbox, then sends only the changed rows of the next day's export", async () => {
    const result = await run(["demo"])
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/A MainBrainer sandbox is listening on http:\/\/127\.0\.0\.1:\d+/)
    expect(result.stdout).toMatch(/rows read\s+3,002/)
    expect(result.stdout).toContain(
      "Sent 73 of 3,027 rows (25 new, 48 changed) in 1 request; 2,919 unchanged rows were not sent.",
    )
  }, 120_000)

  it("sandbox: runs the sandbox server until stopped", async () => {
    const child = spawn(process.execPath, [bin, "sandbox", "--port", "0"], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1" },
    })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ""
        child.stdout.on("data", (piece) => {
          out += String(piece)
          const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
          if (found !== null) resolve(found[1]!)
        })
        child.on("close", (code) => reject(new Error(`the sandbox exited with ${code}: ${out}`)))
      })
      const stats = await fetch(`${url}/sandbox/stats`, {
        headers: { authorization: "Bearer sandbox-token" },
      })
      expect(stats.status).toBe(200)
    } finally {
      child.kill("SIGINT")
    }
  })
})

describe("the progress display", () => {
  let crm: RunningSandbox
  beforeAll(async () => {
    crm = await startSandbox()
  })
  afterAll(() => crm.close())

  it("updates one line in place on a terminal and ends with the summary", async () => {
    const dir = tempDir()
    writeCsv(dir, 12)
    const config = writeConfig(dir, {
      crm: { baseUrl: crm.url, listId: crm.listId },
      batchSize: 2,
      requestsPerSecond: 4,
      concurrency: 1,
      maxRejectRate: 0.2,
    })
    // util-linux `script` runs the command in a pseudo-terminal and copies what it shows.
    // (Asynchronously: the sandbox answering it runs in this process.)
    const child = spawn("script", ["-qfec", `${process.execPath} ${bin} sync -c ${config}`, "/dev/null"], {
      cwd: root,
      env: { ...process.env, MAINBRAINER_TOKEN: crm.token, NO_COLOR: "1", TERM: "xterm" },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let screen = ""
    child.stdout.on("data", (piece) => (screen += String(piece)))
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve))
    expect(status).toBe(0)
    const redraws = screen
      .split("\r")
      .filter((part) => /\d+ read · \d+ sent/.test(part) && part.includes("\x1b[K"))
    expect(redraws.length).toBeGreaterThanOrEqual(3)
    expect(screen).toMatch(/\[[█░]{16}\]\s*\d+%/)
    // The summary comes last, after the final state of the line.
    const end = screen.slice(screen.lastIndexOf("\x1b[K"))
    expect(end).toMatch(
      /accepted\s+12[\s\S]*rejected\s+2[\s\S]*rows read\s+14[\s\S]*requests\s+6[\s\S]*time\s+.*rows\/s\s*$/,
    )
    // NO_COLOR: in place, but no colours.
    expect(screen).not.toMatch(new RegExp(`${String.fromCharCode(27)}\\[3\\dm`))
  }, 120_000)

  it("on Ctrl-C shows where the run got to and exits 130", async () => {
    const dir = tempDir()
    writeCsv(dir, 400)
    const config = writeConfig(dir, {
      crm: { baseUrl: crm.url, listId: crm.listId },
      batchSize: 10,
      requestsPerSecond: 2,
      concurrency: 1,
    })
    const child = spawn(process.execPath, [bin, "sync", "-c", config], {
      cwd: root,
      env: { ...process.env, MAINBRAINER_TOKEN: crm.token, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let out = ""
    let stopped = false
    child.stdout.on("data", (piece) => {
      out += String(piece)
      // The first plain progress line: the run is under way. (A second Ctrl-C would kill it outright.)
      if (!stopped && out.includes("progress:")) stopped = child.kill("SIGINT")
    })
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
    expect(code).toBe(130)
    expect(out).toMatch(/rows read\s+402/)
    expect(out).toContain(
      "Interrupted: rows in batches the CRM had not accepted will be sent by the next run.",
    )
  }, 120_000)

  it("colours only a terminal, and never with NO_COLOR", () => {
    const saved = process.env["NO_COLOR"]
    try {
      delete process.env["NO_COLOR"]
      expect(styleFor({ isTTY: true }).color).toBe(true)
      expect(styleFor({ isTTY: false }).color).toBe(false)
      process.env["NO_COLOR"] = "1"
      expect(styleFor({ isTTY: true }).color).toBe(false)
    } finally {
      if (saved === undefined) delete process.env["NO_COLOR"]
      else process.env["NO_COLOR"] = saved
    }
  })
})
