/**
 * Every example runs as a user runs it (`node --import tsx examples/<name>.ts`, a child process)
 * against a sandbox CRM that the test starts on a free loopback port, and must end with exit 0
 * and its summary line.
 */
import { Sandbox } from "@brainsync/sandbox"
import { Effect, Exit, Redacted, Scope } from "effect"
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const examples = fileURLToPath(new URL("../", import.meta.url))

const runExample = (name: string, env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(examples, name)], {
      cwd: join(examples, ".."),
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (piece) => (stdout += String(piece)))
    child.stderr.on("data", (piece) => (stderr += String(piece)))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

describe("examples", () => {
  let scope: Scope.CloseableScope
  let sandbox: Sandbox.Service
  let env: Record<string, string>
  beforeAll(async () => {
    scope = await Effect.runPromise(Scope.make())
    sandbox = await Effect.runPromise(
      Scope.extend(Sandbox.make({ processingDelay: 20, rateLimit: 0 }), scope),
    )
    env = {
      MAINBRAINER_BASE_URL: sandbox.url,
      MAINBRAINER_TOKEN: Redacted.value(sandbox.token),
      MAINBRAINER_LIST_ID: sandbox.listId,
      BRAINSYNC_STATE: join(mkdtempSync(join(tmpdir(), "brainsync-examples-")), "state.db"),
    }
  })
  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

  it("csv-sync.ts syncs contacts.csv with webhook results", async () => {
    const result = await runExample("csv-sync.ts", env)
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^example-csv: 3002 read · \d+ inserted · \d+ updated · \d+ rejected/m)
    expect(result.stdout).toContain("rejected line 19: email: is not an email address")
  })

  it("http-source.ts syncs a paginated JSON API it starts itself", async () => {
    const result = await runExample("http-source.ts", env)
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(
      "example-http: 250 read · 245 accepted · 5 rejected · 3 requests in 3 batches",
    )
    const contacts = await Effect.runPromise(sandbox.contacts(sandbox.listId))
    expect(contacts.some((contact) => contact.email === "customer0@example.org")).toBe(true)
  })

  // Written alongside core; run when they are there.
  for (const name of ["custom-source.ts", "periodic-sync.ts"])
    it.skipIf(!existsSync(join(examples, name)))(`${name} runs to the end`, async () => {
      const result = await runExample(name, env)
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).not.toBe("")
    })
})
