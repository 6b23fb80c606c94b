/** The sink's rate pacing and `Retry-After` reading, on the test clock. */
import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect, Fiber, Ref, TestClock } from "effect"
import * as Pacer from "../../core/src/internal/pacer.js"
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
  /** Runs `count` requests through the pacer at once, each taking `takes`; counts those started. */
  const launch = (pacer: Pacer.Pacer, count: number, takes: Duration.DurationInput = 0) =>
    Effect.gen(function* () {
      const started = yield* Ref.make(0)
      const fiber = yield* Effect.fork(
        Effect.forEach(
          Array.from({ length: count }),
          () =>
            pacer.run(
              Effect.zipRight(
                Ref.update(started, (n) => n + 1),
                Effect.sleep(takes),
              ),
            ),
          { concurrency: "unbounded" },
        ),
      )
      yield* TestClock.adjust("0 millis")
      return { started: Ref.get(started), fiber }
    })

  it.effect("spaces request starts evenly at the rate", () =>
    Effect.gen(function* () {
      const { started, fiber } = yield* launch(yield* Pacer.make(10), 5)
      expect(yield* started).toBe(1)
      yield* TestClock.adjust("99 millis")
      expect(yield* started).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(yield* started).toBe(2)
      yield* TestClock.adjust("300 millis")
      expect(yield* started).toBe(5)
      yield* Fiber.join(fiber)
    }),
  )

  it.effect("starts a request only a second after the one `limit` places before it finished", () =>
    Effect.gen(function* () {
      // 2/s: starts at 0 and 500; each takes 800 ms, so the first ends at 800 and the third may start at 1800 (+ margin).
      const { started, fiber } = yield* launch(yield* Pacer.make(2), 3, "800 millis")
      yield* TestClock.adjust("500 millis")
      expect(yield* started).toBe(2)
      yield* TestClock.adjust(`${1299 + Pacer.WINDOW_MARGIN_MILLIS} millis`)
      expect(yield* started).toBe(2)
      yield* TestClock.adjust("1 millis")
      expect(yield* started).toBe(3)
      yield* TestClock.adjust("1 seconds")
      yield* Fiber.join(fiber)
    }),
  )

  it.effect("holds every caller back after a pause", () =>
    Effect.gen(function* () {
      const pacer = yield* Pacer.make(1000)
      yield* pacer.pauseFor(3_000)
      const { started, fiber } = yield* launch(pacer, 1)
      yield* TestClock.adjust("2999 millis")
      expect(yield* started).toBe(0)
      yield* TestClock.adjust("1 millis")
      expect(yield* started).toBe(1)
      yield* Fiber.join(fiber)
    }),
  )

  it.effect("frees the place of a request that was interrupted before it ran", () =>
    Effect.gen(function* () {
      const pacer = yield* Pacer.make(1)
      const { fiber } = yield* launch(pacer, 2)
      yield* Fiber.interrupt(fiber)
      const { started } = yield* launch(pacer, 1)
      yield* TestClock.adjust("2 seconds")
      expect(yield* started).toBe(1)
    }),
  )

  // A stalled event loop used to let every slot that fell due during the stall go at once.
  it.live("never starts more than the limit within a second, even after the event loop stalls", () =>
    Effect.gen(function* () {
      const pacer = yield* Pacer.make(20)
      const starts: Array<number> = []
      const fiber = yield* Effect.fork(
        Effect.forEach(
          Array.from({ length: 45 }),
          () => pacer.run(Effect.sync(() => starts.push(performance.now()))),
          { concurrency: "unbounded" },
        ),
      )
      yield* Effect.sleep("100 millis")
      const stallUntil = performance.now() + 400
      while (performance.now() < stallUntil) {
        // a busy event loop
      }
      yield* Fiber.join(fiber)
      const mostInOneSecond = Math.max(
        ...starts.map((start) => starts.filter((t) => t >= start && t < start + 1000).length),
      )
      expect(starts.length).toBe(45)
      expect(mostInOneSecond).toBeLessThanOrEqual(20)
    }),
  )
})
