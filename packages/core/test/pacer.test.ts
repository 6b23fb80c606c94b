import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber, TestClock } from "effect"
import * as Pacer from "../src/internal/pacer.js"

describe("pacer (sliding window)", () => {
  it.effect(
    "a request waiting for its slot also waits out a pause that begins meanwhile (a 429 answered to another)",
    () =>
      Effect.gen(function* () {
        const pacer = yield* Pacer.make(1)
        const startedAt = (request: number) =>
          pacer.run(Effect.map(Clock.currentTimeMillis, (now) => [request, now] as const))
        expect(yield* startedAt(1)).toEqual([1, 0])
        const second = yield* Effect.fork(startedAt(2))
        yield* TestClock.adjust("500 millis")
        yield* pacer.pauseFor(5_000)
        yield* TestClock.adjust("10 seconds")
        expect(yield* Fiber.join(second)).toEqual([2, 5_500])
      }),
  )

  it.effect("without a pause, requests are one second (and the margin) apart at 1 per second", () =>
    Effect.gen(function* () {
      const pacer = yield* Pacer.make(1)
      const starts = yield* Effect.fork(
        Effect.forEach([1, 2, 3], () => pacer.run(Clock.currentTimeMillis), { concurrency: "unbounded" }),
      )
      yield* TestClock.adjust("10 seconds")
      const margin = Pacer.WINDOW_MARGIN_MILLIS
      expect(yield* Fiber.join(starts)).toEqual([0, 1000 + margin, 2 * (1000 + margin)])
    }),
  )
})
