/** The sink's rate pacing and `Retry-After` reading, on the test clock. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Ref, TestClock } from "effect"
import * as Pacer from "../src/internal/pacer.js"
import { parseRetryAfter } from "../src/internal/retryAfter.js"

describe("Retry-After", () => {
  const now = Date.parse("2026-11-26T10:00:00Z")
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("7", now)).toBe(7)
    expect(parseRetryAfter(" 0 ", now)).toBe(0)
  })
  it("reads an HTTP date as the seconds until then, never negative", () => {
    expect(parseRetryAfter("Thu, 26 Nov 2026 10:00:30 GMT", now)).toBe(30)
    expect(parseRetryAfter("Thu, 26 Nov 2026 09:59:00 GMT", now)).toBe(0)
  })
  it("ignores what it cannot read", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
    expect(parseRetryAfter("soon", now)).toBeUndefined()
    expect(parseRetryAfter("-3", now)).toBeUndefined()
  })
})

describe("Pacer", () => {
  it.effect("spaces request starts evenly at the rate, with headroom", () =>
    Effect.gen(function* () {
      const pacer = yield* Pacer.make(10)
      const started = yield* Ref.make(0)
      const fiber = yield* Effect.fork(
        Effect.forEach(
          Array.from({ length: 5 }),
          () =>
            Effect.zipRight(
              pacer.take,
              Ref.update(started, (n) => n + 1),
            ),
          {
            concurrency: "unbounded",
          },
        ),
      )
      yield* TestClock.adjust("1 millis")
      expect(yield* Ref.get(started)).toBe(1)
      // 100 ms is the plain spacing for 10/s; the headroom keeps the second one waiting a little longer.
      yield* TestClock.adjust("100 millis")
      expect(yield* Ref.get(started)).toBe(1)
      yield* TestClock.adjust(`${100 * Pacer.HEADROOM} millis`)
      expect(yield* Ref.get(started)).toBe(2)
      yield* TestClock.adjust("1 seconds")
      expect(yield* Ref.get(started)).toBe(5)
      yield* Fiber.join(fiber)
    }),
  )

  it.effect("holds every caller back after a pause", () =>
    Effect.gen(function* () {
      const pacer = yield* Pacer.make(1000)
      yield* pacer.pause(3)
      const fiber = yield* Effect.fork(pacer.take)
      yield* TestClock.adjust("2999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
    }),
  )
})
