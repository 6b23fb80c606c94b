/** The RateLimiter service alone: its options, its two algorithms and its pause, on the TestClock. */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Exit, Fiber, TestClock } from "effect"
import { RateLimiter } from "../src/index.js"

/** When each of `count` instant requests, sent together, ran. */
const runTimes = (limiter: RateLimiter.Service, count: number) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(
      Effect.forEach(Array.from({ length: count }), () => limiter.run(Clock.currentTimeMillis), {
        concurrency: "unbounded",
      }),
    )
    yield* TestClock.adjust("1 minute")
    return yield* Fiber.join(fiber)
  })

describe("RateLimiter", () => {
  it("names every problem of its options", () => {
    expect(RateLimiter.problems({ requestsPerSecond: 10, algorithm: "token-bucket", burst: 3 })).toEqual([])
    expect(RateLimiter.problems({})).toEqual([])
    expect(
      RateLimiter.problems({
        requestsPerSecond: 0,
        burst: 0.5,
        algorithm: "leaky" as RateLimiter.Algorithm,
      }),
    ).toEqual([
      "requestsPerSecond must be more than 0, not 0",
      "burst must be at least 1, not 0.5",
      'algorithm must be "sliding-window" or "token-bucket", not leaky',
    ])
  })

  it.effect("make refuses options with problems, all of them in one error", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(RateLimiter.make({ requestsPerSecond: -1, burst: 0 }))
      expect(exit).toEqual(
        Exit.fail(
          new RateLimiter.RateLimiterConfigError({
            message: "requestsPerSecond must be more than 0, not -1; burst must be at least 1, not 0",
          }),
        ),
      )
    }),
  )

  it.effect("sliding-window (the default) spreads requests evenly from the first", () =>
    Effect.gen(function* () {
      expect(yield* runTimes(yield* RateLimiter.make({ requestsPerSecond: 10 }), 3)).toEqual([0, 100, 200])
    }),
  )

  it.effect("token-bucket lets its burst through at once", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimiter.make({ requestsPerSecond: 2, algorithm: "token-bucket", burst: 2 })
      expect(yield* runTimes(limiter, 3)).toEqual([0, 0, 500])
    }),
  )

  it.effect("a pause holds every request back, whatever the algorithm, in any Duration form", () =>
    Effect.gen(function* () {
      const window = yield* RateLimiter.make({ requestsPerSecond: 1000 })
      yield* window.pause("3 seconds")
      expect(yield* runTimes(window, 1)).toEqual([3000])
      const bucket = yield* RateLimiter.make({ requestsPerSecond: 1000, algorithm: "token-bucket" })
      const now = yield* Clock.currentTimeMillis
      yield* bucket.pause(250) // a number is milliseconds
      expect(yield* runTimes(bucket, 1)).toEqual([now + 251]) // the bucket starts empty after a pause
    }),
  )

  it.effect("without a limit, or with an infinite one, nothing is paced but a pause still holds", () =>
    Effect.gen(function* () {
      for (const options of [{}, { requestsPerSecond: Infinity }] as const) {
        const limiter = yield* RateLimiter.make(options)
        const now = yield* Clock.currentTimeMillis
        expect(yield* runTimes(limiter, 3)).toEqual([now, now, now])
        yield* limiter.pause("2 seconds")
        expect(yield* runTimes(limiter, 2)).toEqual([now + 62_000, now + 62_000])
      }
    }),
  )

  it.effect("layer provides the service under its tag", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimiter.RateLimiter
      expect(yield* runTimes(limiter, 2)).toEqual([0, 500])
    }).pipe(Effect.provide(RateLimiter.layer({ requestsPerSecond: 2 }))),
  )
})
