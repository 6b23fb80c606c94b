import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { jsonSchema } from "../src/SyncConfig.js"
import { schemaReference } from "../src/internal/handlers/init.js"
import { styleFor } from "../src/internal/format.js"
import { parse } from "../src/internal/jsonc.js"
import {
  bin,
  root,
  run,
  runHere,
  type RunningSandbox,
  startSandbox,
  tempDir,
  writeConfig,
  writeCsv,
} from "./helpers.js"

describe("brainsync demo, init, sandbox", () => {
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

  it("init writes a commented configuration from a CSV header that sync reads as it is; it will not overwrite one", async () => {
    const dir = tempDir()
    const output = join(dir, "brainsync.json")
    const result = await run(["init", "--csv", "examples/contacts.csv", "--output", output])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('key "external_id"')
    const text = readFileSync(output, "utf8")
    expect(text).toMatch(/^\/\/ brainsync configuration/)
    expect(text).toContain('"email": "email"')
    expect(text).toContain('"First Name": "first_name"')
    const dry = await runHere(["sync", "-c", output, "--dry-run", "--json"])
    expect(dry.code).toBe(0)
    const summary = JSON.parse(dry.stdout.trim().split("\n").at(-1)!) as { report: Record<string, number> }
    expect(summary.report).toMatchObject({ read: 3002, failed: 0 })
    expect(existsSync(join(dir, ".brainsync/contacts.db"))).toBe(true)
    const again = await runHere(["init", "--csv", "examples/contacts.csv", "--output", output])
    expect(again).toMatchObject({ code: 2 })
    expect(again.stderr).toContain("--force")
  })

  it('init writes "$schema" first, the relative path of the JSON Schema the build ships with the command', async () => {
    for (const folder of ["", "configs/nested"]) {
      const dir = join(tempDir(), folder)
      mkdirSync(dir, { recursive: true })
      const output = join(dir, "brainsync.json")
      const result = await run(["init", "--csv", "examples/contacts.csv", "--output", output])
      expect(result).toMatchObject({ code: 0, stderr: "" })
      const text = readFileSync(output, "utf8")
      expect(text).toMatch(/\{\n {2}\/\/ [^\n]*editors complete and check this file[^\n]*\n {2}"\$schema": "/)
      const parsed = parse(text)
      if (!parsed.ok) throw new Error(parsed.message)
      const config = parsed.value as Record<string, unknown>
      expect(Object.keys(config)[0]).toBe("$schema")
      const path = config.$schema as string
      expect(path).toMatch(/^\.{1,2}\//)
      expect(path).not.toContain("\\")
      const schemaFile = resolve(dirname(output), path)
      expect(schemaFile).toBe(join(root, "packages/cli/dist/brainsync.schema.json"))
      expect(existsSync(schemaFile)).toBe(true)
      const schema = JSON.parse(readFileSync(schemaFile, "utf8")) as Record<string, unknown>
      expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#")
      expect(schema).toEqual(jsonSchema)
    }
  })

  it("init's \"$schema\" is relative to the written file's folder, ./ or ../, with forward slashes", () => {
    const schema = join(root, "packages/cli/dist/brainsync.schema.json")
    expect(schemaReference(join(root, "packages/cli"), schema)).toBe("./dist/brainsync.schema.json")
    expect(schemaReference(join(root, "packages/cli/dist"), schema)).toBe("./brainsync.schema.json")
    expect(schemaReference(join(root, "examples"), schema)).toBe("../packages/cli/dist/brainsync.schema.json")
    expect(schemaReference(join(root, "examples/a/b"), schema)).toBe(
      "../../../packages/cli/dist/brainsync.schema.json",
    )
  })

  it("init's \"$schema\" goes through the project's node_modules/@brainsync/cli when that is this package (a path that survives upgrades)", () => {
    const schema = join(root, "packages/cli/dist/brainsync.schema.json")
    const project = tempDir()
    mkdirSync(join(project, "node_modules/@brainsync"), { recursive: true })
    symlinkSync(join(root, "packages/cli"), join(project, "node_modules/@brainsync/cli"))
    expect(schemaReference(join(project, "config"), schema)).toBe(
      "../node_modules/@brainsync/cli/dist/brainsync.schema.json",
    )
    // Another copy of the package there is not the schema this command ships: the file itself is named.
    rmSync(join(project, "node_modules/@brainsync/cli"))
    mkdirSync(join(project, "node_modules/@brainsync/cli/dist"), { recursive: true })
    writeFileSync(join(project, "node_modules/@brainsync/cli/dist/brainsync.schema.json"), "{}")
    expect(schemaReference(project, schema)).toBe(relative(project, schema))
  })

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
      const stats = await fetch(`${url}/sandbox/stats`)
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
