import { Fixtures } from "@brainsync/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { start } from "./support.js"

const listId = Fixtures.DEFAULT_LIST_ID
const batch = (i: number) => ({ listId, createUpdateContacts: [{ email: `c${i}@example.com` }] })

const statuses = (sandbox: Effect.Effect.Success<ReturnType<typeof start>>, n: number) =>
  Effect.forEach(
    Array.from({ length: n }, (_, i) => i),
    (i) =>
      sandbox.client.post(batch(i)).pipe(
        Effect.map((reply) => String(reply.status)),
        Effect.catchAllDefect(() => Effect.succeed("no response")),
      ),
    { concurrency: 1 },
  )

describe("rate limit", () => {
  it.scopedLive(
    "429 with Retry-After once a token's bucket is empty; other tokens keep their own bucket",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* start({ rateLimit: 3, tokens: ["t1", "t2"] })
        const replies = yield* Effect.forEach([1, 2, 3, 4, 5], (i) =>
          sandbox.client.post(batch(i), { authorization: "Bearer t1" }),
        )
        const limited = replies.filter((r) => r.status === 429)
        // A bucket of 3 refills 3 tokens a second, so at most one more request can slip in meanwhile.
        expect(limited.length).toBeGreaterThanOrEqual(1)
        expect(limited[0]!.headers.get("retry-after")).toMatch(/^[1-9]\d*$/)
        expect(limited[0]!.json).toMatchObject({ _tag: "RateLimited", retryAfterSeconds: 1 })
        expect((yield* sandbox.client.post(batch(9), { authorization: "Bearer t2" })).status).toBe(202)
        expect((yield* sandbox.stats).requests.byStatus["429"]).toBe(limited.length)
      }),
  )

  it.scopedLive("0 turns the limit off", () =>
    Effect.gen(function* () {
      const sandbox = yield* start({ rateLimit: 0 })
      expect(new Set(yield* statuses(sandbox, 30))).toEqual(new Set(["202"]))
      expect((yield* sandbox.stats).requests.peakPerSecond).toBeGreaterThanOrEqual(1)
    }),
  )
})

describe("faults", () => {
  it.scopedLive("fail rate: 500 and nothing is applied", () =>
    Effect.gen(function* () {
      const sandbox = yield* start({ failRate: 1 })
      const reply = yield* sandbox.client.post(batch(1))
      expect(reply.status).toBe(500)
      expect(reply.json).toMatchObject({ _tag: "ServerError" })
      yield* sandbox.awaitIdle
      expect(yield* sandbox.stats).toMatchObject({ contacts: 0, batches: { applied: 0, queued: 0 } })
    }),
  )

  it.scopedLive("reset rate: the connection is destroyed with no response and nothing is applied", () =>
    Effect.gen(function* () {
      const sandbox = yield* start({ resetRate: 1 })
      const outcome = yield* sandbox.client.post(batch(1)).pipe(
        Effect.map((reply) => `status ${reply.status}`),
        Effect.catchAllDefect((error) => Effect.succeed(`failed: ${String(error)}`)),
      )
      expect(outcome).toMatch(/^failed/)
      yield* sandbox.awaitIdle
      expect(yield* sandbox.stats).toMatchObject({
        contacts: 0,
        requests: { byStatus: { connectionReset: 1 } },
      })
      expect((yield* sandbox.client.get("/health")).status).toBe(200)
    }),
  )

  it.scopedLive("drop-response rate: the batch is applied but the 202 never arrives", () =>
    Effect.gen(function* () {
      const sandbox = yield* start({ dropResponseRate: 1 })
      const outcome = yield* sandbox.client.post(batch(1)).pipe(
        Effect.map((reply) => `status ${reply.status}`),
        Effect.catchAllDefect((error) => Effect.succeed(`failed: ${String(error)}`)),
      )
      expect(outcome).toMatch(/^failed/)
      yield* sandbox.awaitIdle
      expect(yield* sandbox.stats).toMatchObject({
        contacts: 1,
        batches: { applied: 1 },
        requests: { byStatus: { responseDropped: 1 } },
      })
    }),
  )

  it.scopedLive("faults are deterministic under a seed", () =>
    Effect.gen(function* () {
      const run = (seed: number) =>
        Effect.scoped(
          start({ failRate: 0.3, resetRate: 0.2, dropResponseRate: 0.2, latency: "0-5", seed }).pipe(
            Effect.flatMap((sandbox) => statuses(sandbox, 25)),
          ),
        )
      const a = yield* run(42)
      const b = yield* run(42)
      const c = yield* run(7)
      expect(a).toEqual(b)
      expect(new Set(a).size).toBeGreaterThan(1)
      expect(c).not.toEqual(a)
    }),
  )

  it.scopedLive("rejects a malformed latency", () =>
    Effect.gen(function* () {
      const error = yield* start({ latency: "5-1" }).pipe(Effect.flip)
      expect(error._tag).toBe("SandboxError")
    }),
  )
})
