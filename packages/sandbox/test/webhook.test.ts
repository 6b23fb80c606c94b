import { Fixtures } from "@brainsync/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { eventually, receiver } from "./receiver.js"
import { accepted, start } from "./support.js"

const listId = Fixtures.DEFAULT_LIST_ID
const one = (email: string, webHookUrl: string) => ({ listId, webHookUrl, createUpdateContacts: [{ email }] })

describe("webhook delivery", () => {
  it.scopedLive("retries a failing receiver with backoff until it answers", () =>
    Effect.gen(function* () {
      const hook = yield* receiver({ failFirst: 3 })
      const sandbox = yield* start({ webhookBackoff: 10 })
      const body = accepted(yield* sandbox.client.post(one("w@example.com", hook.url)))
      yield* sandbox.awaitIdle
      expect(hook.hits()).toBe(4)
      expect(hook.bodies).toMatchObject([{ batchId: body.data.batchId, inserted: { count: 1 } }])
      expect(yield* sandbox.batch(body.data.batchId)).toMatchObject({
        webhook: { state: "delivered", attempts: 4 },
      })
      expect((yield* sandbox.stats).webhooks).toMatchObject({ delivered: 1, refused: 0 })
    }),
  )

  it.scopedLive(
    "gives up after the configured attempts (at least 5 by default) and records the failure",
    () =>
      Effect.gen(function* () {
        const hook = yield* receiver({ failFirst: 100 })
        const sandbox = yield* start({ webhookBackoff: 5 })
        const body = accepted(yield* sandbox.client.post(one("f@example.com", hook.url)))
        yield* sandbox.awaitIdle
        expect(hook.hits()).toBe(5)
        expect(yield* sandbox.batch(body.data.batchId)).toMatchObject({
          webhook: { state: "failed", attempts: 5 },
        })
        expect((yield* sandbox.stats).webhooks.failed).toBe(1)
      }),
  )

  it.scopedLive("refuses hosts outside the allow-list without calling them", () =>
    Effect.gen(function* () {
      const hook = yield* receiver()
      const sandbox = yield* start()
      const outside = accepted(yield* sandbox.client.post(one("r@example.com", "http://203.0.113.7/hook")))
      const garbage = accepted(yield* sandbox.client.post(one("g@example.com", "not a url")))
      const allowed = accepted(yield* sandbox.client.post(one("a@example.com", hook.url)))
      const empty = accepted(yield* sandbox.client.post(one("e@example.com", "")))
      yield* sandbox.awaitIdle
      expect(yield* sandbox.batch(outside.data.batchId)).toMatchObject({
        state: "applied",
        webhook: { state: "refused", attempts: 0, lastError: expect.stringContaining("203.0.113.7") },
      })
      expect(yield* sandbox.batch(garbage.data.batchId)).toMatchObject({ webhook: { state: "refused" } })
      expect(yield* sandbox.batch(allowed.data.batchId)).toMatchObject({ webhook: { state: "delivered" } })
      expect(yield* sandbox.batch(empty.data.batchId)).toMatchObject({
        webhook: { url: null, state: "none" },
      })
      expect((yield* sandbox.stats).webhooks).toMatchObject({ delivered: 1, refused: 2 })
    }),
  )

  it.scopedLive("an allow-list without loopback refuses even a local receiver", () =>
    Effect.gen(function* () {
      const hook = yield* receiver()
      const sandbox = yield* start({ webhookAllow: ["hooks.example.com"] })
      const body = accepted(yield* sandbox.client.post(one("l@example.com", hook.url)))
      yield* eventually(sandbox.batch(body.data.batchId), (b) => b?.webhook.state === "refused")
      expect(hook.hits()).toBe(0)
    }),
  )

  it.scopedLive("does not follow a redirect (it could lead outside the allow-list)", () =>
    Effect.gen(function* () {
      const target = yield* receiver()
      const redirecting = yield* receiver({ redirectTo: target.url })
      const sandbox = yield* start({ webhookBackoff: 5, webhookAttempts: 2 })
      const body = accepted(yield* sandbox.client.post(one("d@example.com", redirecting.url)))
      yield* sandbox.awaitIdle
      expect(redirecting.hits()).toBe(2)
      expect(target.hits()).toBe(0)
      expect(yield* sandbox.batch(body.data.batchId)).toMatchObject({
        webhook: { state: "failed", attempts: 2, lastError: expect.stringContaining("307") },
      })
    }),
  )
})
