import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Fixtures } from "@brainsync/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { receiver } from "./receiver.js"
import { accepted, start } from "./support.js"

const listId = Fixtures.DEFAULT_LIST_ID

describe("a file database", () => {
  it.scopedLive("a restart resumes unapplied batches in order, then delivers their webhooks", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "sandbox-resume-"))),
        (path) => Effect.sync(() => rmSync(path, { recursive: true, force: true })),
      )
      const db = join(dir, "sandbox.db")
      const hook = yield* receiver()

      const batchIds = yield* Effect.scoped(
        Effect.gen(function* () {
          // A processing delay long enough that nothing is applied before the stop.
          const sandbox = yield* start({ db, processingDelay: "1 hour" })
          const first = accepted(
            yield* sandbox.client.post({
              listId,
              webHookUrl: hook.url,
              createUpdateContacts: [
                { email: "r@example.com", propertyFields: [{ propertyName: "City", propertyValue: "one" }] },
              ],
            }),
          )
          const second = accepted(
            yield* sandbox.client.post({
              listId,
              createUpdateContacts: [
                { email: "r@example.com", propertyFields: [{ propertyName: "City", propertyValue: "two" }] },
              ],
            }),
          )
          expect(yield* sandbox.stats).toMatchObject({ contacts: 0, batches: { queued: 2 } })
          return [first.data.batchId, second.data.batchId] as const
        }),
      )

      yield* Effect.scoped(
        Effect.gen(function* () {
          const sandbox = yield* start({ db })
          yield* sandbox.awaitIdle
          expect(yield* sandbox.stats).toMatchObject({ contacts: 1, batches: { queued: 0, applied: 2 } })
          expect(yield* sandbox.contacts()).toMatchObject([
            { email: "r@example.com", properties: [{ propertyValue: "two" }] },
          ])
          expect(hook.bodies).toMatchObject([{ batchId: batchIds[0], inserted: { count: 1 } }])
        }),
      )

      // And what was applied stays applied.
      yield* Effect.scoped(
        Effect.gen(function* () {
          const sandbox = yield* start({ db })
          yield* sandbox.awaitIdle
          expect(yield* sandbox.batch(batchIds[1])).toMatchObject({
            state: "applied",
            report: { updated: { count: 1 } },
          })
          expect((yield* sandbox.stats).contacts).toBe(1)
          expect(hook.bodies).toHaveLength(1)
        }),
      )
    }),
  )

  it.scopedLive("a database that cannot be opened is a SandboxError, not a crash", () =>
    Effect.gen(function* () {
      const error = yield* start({ db: "/nonexistent-dir/sandbox.db" }).pipe(Effect.flip)
      expect(error).toMatchObject({
        _tag: "SandboxError",
        message: expect.stringContaining("cannot open the database"),
      })
    }),
  )
})

describe("start-up errors", () => {
  it.scopedLive("a port in use is a SandboxError", () =>
    Effect.gen(function* () {
      const first = yield* start()
      const error = yield* start({ port: first.port }).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "SandboxError", message: "cannot listen" })
    }),
  )
})
