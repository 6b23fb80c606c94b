/**
 * Everything a sync writes — stdout, stderr, every log level, events, the report, files — is
 * scanned for the bearer token, which must not be found. The sync runs as a real child process
 * (a user's program reading `MAINBRAINER_TOKEN`) against a faulty sandbox, so that retries, lost
 * responses and transport errors are all shown.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Sandbox } from "@brainsync/sandbox"
import * as Crm from "./fixtures/Crm.js"

const script = join(import.meta.dirname, "fixtures", "syncWithToken.ts")

describe("the bearer token", () => {
  it.scopedLive("appears nowhere in what a sync writes", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({
        processingDelay: 5,
        rateLimit: 20,
        tokens: [Crm.TOKEN],
        failRate: 0.1,
        resetRate: 0.05,
        dropResponseRate: 0.05,
        seed: 3,
      })
      const outDir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "brainsync-leak-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
      )
      // Not spawnSync: the sandbox answers from this process, so its event loop must keep running.
      const child = yield* Effect.async<{ status: number | null; stdout: string; stderr: string }>(
        (resume) => {
          const running = spawn(process.execPath, ["--import", "tsx", script, sandbox.listId, outDir], {
            env: { ...process.env, MAINBRAINER_TOKEN: Crm.TOKEN, MAINBRAINER_BASE_URL: sandbox.url },
          })
          let stdout = ""
          let stderr = ""
          running.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
          running.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
          running.on("close", (status) => resume(Effect.succeed({ status, stdout, stderr })))
          return Effect.sync(() => running.kill())
        },
      )
      const { stdout, stderr } = child
      expect(child.status, stderr).toBe(0)

      // The program did use the token (the CRM took its contacts) and did write the things scanned.
      expect((yield* sandbox.stats).contacts).toBeGreaterThanOrEqual(1000)
      expect(stdout).toContain('"read": 1000')
      expect(stderr).toContain("TransportError")
      expect(stderr).toContain("SinkConfigError")
      expect(stdout + stderr).toMatch(/DEBUG|debug/)
      const files = readdirSync(outDir).map((name) => readFileSync(join(outDir, name), "utf8"))
      expect(files.length).toBe(2)

      for (const written of [stdout, stderr, ...files]) expect(written).not.toContain(Crm.TOKEN)
    }),
  )
})
