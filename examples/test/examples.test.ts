/**
 * Every example runs as a user runs it (`node --import tsx examples/<name>.ts`, a child process)
 * against a sandbox CRM that the test starts on a free loopback port, and must end with exit 0
 * and its summary line.
 */
import { Effect } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runNode, startSandbox, type RunningSandbox } from "../../packages/cli/test/helpers.js"

const examples = fileURLToPath(new URL("../", import.meta.url))

const runExample = (name: string, env: Record<string, string>) =>
  runNode(["--import", "tsx", join(examples, name)], { cwd: join(examples, ".."), env })

describe("examples", () => {
  let sandbox: RunningSandbox
  let env: Record<string, string>
  beforeAll(async () => {
    sandbox = await startSandbox()
    env = {
      MAINBRAINER_BASE_URL: sandbox.url,
      MAINBRAINER_TOKEN: sandbox.token,
      MAINBRAINER_LIST_ID: sandbox.listId,
      BRAINSYNC_STATE: join(mkdtempSync(join(tmpdir(), "brainsync-examples-")), "state.db"),
    }
  })
  afterAll(() => sandbox.close())

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
    const contacts = await Effect.runPromise(sandbox.service.contacts(sandbox.listId))
    expect(contacts.some((contact) => contact.email === "customer0@example.org")).toBe(true)
  })

  for (const name of ["custom-source.ts", "periodic-sync.ts"])
    it(`${name} runs to the end`, async () => {
      const result = await runExample(name, env)
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).not.toBe("")
    })
})
