/**
 * Which limiter a sync's requests go through: exactly one, the sink's own when it has one, else
 * one made from the sync's options. On the TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber, TestClock } from "effect"
import { ApiError, ContactSink, RateLimiter, Sync } from "../src/index.js"
import * as RateLimit from "../src/internal/rateLimit.js"
import { chunked, contactRows, mapping } from "./fixtures/rows.js"

/** A limiter that paces nothing and records what it was asked. */
const recording = () => {
  const calls: Array<string> = []
  const limiter: RateLimiter.Service = {
    run: (request) =>
      Effect.zipRight(
        Effect.sync(() => calls.push("run")),
        request,
      ),
    pause: (duration) => Effect.sync(() => calls.push(`pause ${String(duration)}`)),
  }
  return { limiter, calls }
}

const accepting = (script: Array<ContactSink.SinkError> = []) => {
  const sentAt: Array<number> = []
  const upsert: ContactSink.Service["upsert"] = (request) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      sentAt.push(now)
      const error = script.shift()
      return error === undefined
        ? Effect.succeed(ContactSink.acceptedBody(`b${sentAt.length}`, request.createUpdateContacts.length))
        : Effect.fail(error)
    })
  return { upsert, sentAt }
}

describe("the pipeline's rate limit", () => {
  it("is validated as every RateLimiter is, among the sync's problems", () => {
    const wrong = { requestsPerSecond: -2, burst: 0 }
    expect(RateLimit.problems(wrong)).toEqual(RateLimiter.problems(wrong))
    expect(Sync.problems({ name: "t", mapping, ...wrong })).toEqual([
      "requestsPerSecond must be more than 0, not -2",
      "burst must be at least 1, not 0",
    ])
  })

  it.effect("without a limiter on the sink, a token bucket from the sync's options paces and pauses", () =>
    Effect.gen(function* () {
      const limit = yield* RateLimit.make(accepting(), { requestsPerSecond: 2, burst: 1 })
      const times = Effect.forEach([1, 2, 3], () => limit.pace(Clock.currentTimeMillis), {
        concurrency: "unbounded",
      })
      const fiber = yield* Effect.fork(times)
      yield* TestClock.adjust("10 seconds")
      expect(yield* Fiber.join(fiber)).toEqual([0, 500, 1000])
      yield* limit.pauseFor(3000)
      const after = yield* Effect.fork(limit.pace(Clock.currentTimeMillis))
      yield* TestClock.adjust("10 seconds")
      expect(yield* Fiber.join(after)).toBe(13_500) // the pause, then an empty bucket's 1/rate
    }),
  )

  it.effect("with a limiter on the sink, the pipeline paces nothing itself and pauses the sink's", () =>
    Effect.gen(function* () {
      const { limiter, calls } = recording()
      const limit = yield* RateLimit.make({ ...accepting(), limiter }, { requestsPerSecond: 1, burst: 1 })
      yield* limit.pace(Effect.void)
      yield* limit.pace(Effect.void)
      yield* limit.pauseFor(1200)
      expect(calls).toEqual(["pause 1200"])
    }),
  )

  it.effect("Sync.run with requestsPerSecond over a sink with its own limiter: one limit, the sink's", () =>
    Effect.gen(function* () {
      const { limiter, calls } = recording()
      const { upsert, sentAt } = accepting([
        new ApiError.RateLimited({ message: "slow down", retryAfterSeconds: 30 }),
      ])
      const fiber = yield* Sync.run({
        name: "t",
        source: chunked(contactRows(1000)),
        mapping,
        requestsPerSecond: 1,
        burst: 1,
      }).pipe(Effect.provideService(ContactSink.ContactSink, { upsert, limiter }), Effect.fork)
      yield* TestClock.adjust("0 millis")
      // At 1/s of its own the sync would have sent one request by now; the sink's limiter let all through.
      expect(sentAt.length).toBe(11)
      expect(calls).toEqual(["pause 30000"])
      const report = yield* Fiber.join(fiber)
      expect(report.accepted).toBe(1000)
      expect(report.rateLimited).toBe(1)
    }),
  )
})
