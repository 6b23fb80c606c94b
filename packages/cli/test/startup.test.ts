/**
 * The command starts light: `--version`, `--help` and a command that needs neither load the SQLite
 * addon, the sandbox or an HTTP stack; the commands that do need them still load them. A module
 * resolve hook in the child records every specifier the process resolves.
 */
import { describe, expect, it } from "vitest"
import { join } from "node:path"
import { run, tempDir, writeConfig, writeCsv } from "./helpers.js"

const hook = `data:text/javascript,${encodeURIComponent(`
import { register } from "node:module"
register("data:text/javascript," + encodeURIComponent(\`
export const resolve = async (specifier, context, next) => {
  process.stderr.write("resolved " + specifier + "\\\\n")
  return next(specifier, context)
}\`))
`)}`

const resolvedBy = async (args: ReadonlyArray<string>, options: Parameters<typeof run>[1] = {}) => {
  const result = await run(args, { ...options, env: { ...options.env, NODE_OPTIONS: `--import=${hook}` } })
  const resolved = result.stderr
    .split("\n")
    .filter((line) => line.startsWith("resolved "))
    .map((line) => line.slice("resolved ".length))
  return { ...result, resolved }
}

const heavy = (resolved: ReadonlyArray<string>) =>
  resolved.filter((specifier) =>
    /better-sqlite3|^(node:)?(http|https|net)$|\/serve-[^/]*\.mjs$/.test(specifier),
  )

describe("start-up", () => {
  it("--version and --help load neither SQLite, the sandbox nor an HTTP stack", async () => {
    for (const args of [["--version"], ["--help"], ["sync", "--help"]]) {
      const result = await resolvedBy(args)
      expect(result.code).toBe(0)
      expect(result.resolved.length).toBeGreaterThan(0) // the hook saw the process's imports
      expect(heavy(result.resolved)).toEqual([])
    }
  })

  it("a dry run from a CSV loads no HTTP stack and no SQLite without a state file; a sync with one loads SQLite", async () => {
    const dir = tempDir()
    writeCsv(dir, 30)
    const config = writeConfig(dir, {
      crm: { baseUrl: "http://127.0.0.1:9", listId: "9fc6ad7d-902a-4834-b161-a4911b883d44" },
    })
    const dry = await resolvedBy(["sync", "-c", config, "--dry-run", "--json"])
    expect(dry.code).toBe(0)
    expect(heavy(dry.resolved)).toEqual([])

    const withState = writeConfig(
      dir,
      {
        crm: { baseUrl: "http://127.0.0.1:9", listId: "9fc6ad7d-902a-4834-b161-a4911b883d44" },
        state: join(dir, "state.db"),
      },
      "with-state.json",
    )
    const dryWithState = await resolvedBy(["sync", "-c", withState, "--dry-run", "--json"])
    expect(dryWithState.code).toBe(0)
    expect(dryWithState.resolved).toContain("better-sqlite3")
    // status reads a state file that exists (the run above created it).
    const status = await resolvedBy(["status", "-c", withState])
    expect(status.code).toBe(0)
    expect(status.resolved).toContain("better-sqlite3")
  })
})
