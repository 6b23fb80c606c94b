/** The token-bucket algorithm alone, on the TestClock. */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber, TestClock } from "effect"
import * as TokenBucket from "../src/internal/tokenBucket.js"

/** When each of `count` takes, started together, got through. */
const takeTimes = (bucket: TokenBucket.TokenBucket, count: number) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(
      Effect.forEach(
        Array.from({ length: count }),
        () => Effect.zipRight(bucket.take, Clock.currentTimeMillis),
        {
          concurrency: "unbounded",
        },
      ),
    )
    yield* TestClock.adjust("1 minute")
    return yield* Fiber.join(fiber)
  })

describe("token bucket", () => {
  it.effect("lets a full bucket through at once, then one per 1/rate", () =>
    Effect.gen(function* () {
      expect(yield* takeTimes(yield* TokenBucket.make(2, 2), 5)).toEqual([0, 0, 500, 1000, 1500])
    }),
  )

  it.effect("refills while idle, but never past the burst", () =>
    Effect.gen(function* () {
      const bucket = yield* TokenBucket.make(4, 2)
      yield* TestClock.adjust("10 seconds")
      expect(yield* takeTimes(bucket, 3)).toEqual([10_000, 10_000, 10_250])
    }),
  )

  it.effect("a pause holds every caller back, and the bucket starts empty after it", () =>
    Effect.gen(function* () {
      const bucket = yield* TokenBucket.make(10, 10)
      yield* bucket.pauseFor(3000)
      expect(yield* takeTimes(bucket, 2)).toEqual([3100, 3200])
    }),
  )

  it.effect("a shorter pause does not end a longer one", () =>
    Effect.gen(function* () {
      const bucket = yield* TokenBucket.make(undefined, 1)
      yield* bucket.pauseFor(5000)
      yield* bucket.pauseFor(1000)
      expect(yield* takeTimes(bucket, 1)).toEqual([5000])
    }),
  )

  it.effect("without a rate nothing waits, but a pause still holds until its end", () =>
    Effect.gen(function* () {
      const bucket = yield* TokenBucket.make(undefined, 1)
      expect(yield* takeTimes(bucket, 3)).toEqual([0, 0, 0])
      const now = yield* Clock.currentTimeMillis
      yield* bucket.pauseFor(1500)
      expect(yield* takeTimes(bucket, 2)).toEqual([now + 1500, now + 1500])
    }),
  )
})
