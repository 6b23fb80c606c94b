import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"

const bin = fileURLToPath(new URL("../bin/brainsync-sandbox.mjs", import.meta.url))
const customList = "11111111-2222-4333-8444-555555555555"

describe("the brainsync-sandbox bin", () => {
  it.scopedLive("starts from flags, prints its URL, token and list id, serves, and stops on SIGINT", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "sandbox-cli-"))),
        (path) => Effect.sync(() => rmSync(path, { recursive: true, force: true })),
      )
      const fixtures = join(dir, "fixtures.json")
      writeFileSync(
        fixtures,
        JSON.stringify({
          lists: [{ listId: customList }],
          properties: [{ propertyId: customList, propertyName: "Tier" }],
        }),
      )
      const child = yield* Effect.acquireRelease(
        Effect.sync(() =>
          spawn(
            process.execPath,
            [
              bin,
              "--port",
              "0",
              "--token",
              "first",
              "--token",
              "second",
              "--fixtures",
              fixtures,
              "--db",
              join(dir, "s.db"),
              "--processing-delay",
              "0",
            ],
            { stdio: ["ignore", "pipe", "pipe"] },
          ),
        ),
        (child) => Effect.sync(() => child.kill("SIGKILL")),
      )
      const banner = yield* Effect.async<string, Error>((resume) => {
        let out = ""
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString("utf8")
          if (out.includes("list id:")) resume(Effect.succeed(out))
        })
        child.on("exit", (code) => resume(Effect.fail(new Error(`exited with ${code}: ${out}`))))
      })
      const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1]
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(banner).toContain("token:   first")
      expect(banner).toContain(`list id: ${customList}`)

      const reply = yield* Effect.promise(() =>
        fetch(`${url}/contacts/batch`, {
          method: "POST",
          headers: { authorization: "Bearer second", "content-type": "application/json" },
          body: JSON.stringify({
            listId: customList,
            createUpdateContacts: [
              { email: "cli@example.com", propertyFields: [{ propertyName: "Tier", propertyValue: "gold" }] },
            ],
          }),
        }).then((r) => r.status),
      )
      expect(reply).toBe(202)
      const wrongList = yield* Effect.promise(() =>
        fetch(`${url}/contacts/batch`, {
          method: "POST",
          headers: { authorization: "Bearer first", "content-type": "application/json" },
          body: JSON.stringify({
            listId: "9fc6ad7d-902a-4834-b161-a4911b883d44",
            createUpdateContacts: [{ email: "x@example.com" }],
          }),
        }).then((r) => r.status),
      )
      expect(wrongList).toBe(422)

      const exit = yield* Effect.async<number | null>((resume) => {
        child.on("exit", (code) => resume(Effect.succeed(code)))
        child.kill("SIGINT")
      })
      expect(exit).not.toBeNull()
    }),
  )
})
