/** The shared retry backoff alone: its delays, its attempts budget, and its retry loop on the TestClock. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, Random, TestClock } from "effect"
import { Backoff } from "../src/index.js"

const policy = Backoff.make({ maxAttempts: 3, baseDelay: "1 second", maxDelay: "3 seconds" })
const withRandom = (...values: [number, ...Array<number>]) => Effect.withRandom(Random.fixed(values))

describe("Backoff", () => {
  it("reads durations once into whole milliseconds, with defaults", () => {
    expect(policy).toEqual({ maxAttempts: 3, baseDelayMillis: 1000, maxDelayMillis: 3000 })
    expect(Backoff.make({})).toEqual({ maxAttempts: 5, baseDelayMillis: 250, maxDelayMillis: 30_000 })
    expect(Backoff.make({}, { baseDelay: "200 millis" }).baseDelayMillis).toBe(200)
  })

  it.effect("waits between half and all of a ceiling that doubles per attempt, up to the cap", () =>
    Effect.gen(function* () {
      const low = yield* Effect.forEach([1, 2, 3, 4], (n) => Backoff.delay(policy, n)).pipe(withRandom(0))
      expect(low).toEqual([500, 1000, 1500, 1500])
      const high = yield* Effect.forEach([1, 2, 3, 4], (n) => Backoff.delay(policy, n)).pipe(
        withRandom(0.999),
      )
      expect(high).toEqual([1000, 1999, 2999, 2999])
      // whole milliseconds, never 0 even for the smallest base
      const tiny = Backoff.make({ baseDelay: "1 millis" })
      expect(yield* Backoff.delay(tiny, 1).pipe(withRandom(0))).toBe(1)
    }),
  )

  it.effect("next is none once the attempts budget is spent, and draws no random number then", () =>
    Effect.gen(function* () {
      expect(yield* Backoff.next(policy, 1)).toEqual(Option.some(750)) // draws 0.5
      expect(yield* Backoff.next(policy, 3)).toEqual(Option.none()) // draws nothing
      expect(yield* Backoff.next(policy, 2)).toEqual(Option.some(1000)) // draws 0, not 0.5 again
    }).pipe(withRandom(0.5, 0)),
  )

  it.effect("retry waits the backoff on the clock, and stops at the budget with the attempts made", () =>
    Effect.gen(function* () {
      let attempts = 0
      const failing = Effect.suspend(() => {
        attempts++
        return Effect.fail("busy" as const)
      })
      const fiber = yield* Effect.fork(Backoff.retry(failing, { policy }).pipe(Effect.flip, withRandom(0)))
      yield* TestClock.adjust("0 millis")
      expect(attempts).toBe(1)
      yield* TestClock.adjust("499 millis")
      expect(attempts).toBe(1)
      yield* TestClock.adjust("1 millis") // 500 ms: the second attempt
      expect(attempts).toBe(2)
      yield* TestClock.adjust("999 millis")
      expect(attempts).toBe(2)
      yield* TestClock.adjust("1 millis") // 500 + 1000 ms: the third, the last
      expect(attempts).toBe(3)
      expect(yield* Fiber.join(fiber)).toEqual({ error: "busy", attempts: 3 })
    }),
  )

  it.effect("retry honours a longer wait the error asks for, and stops at once where `while` says no", () =>
    Effect.gen(function* () {
      let attempts = 0
      const answers: Array<{ readonly retryable: boolean; readonly after: number }> = [
        { retryable: true, after: 5000 },
        { retryable: false, after: 0 },
      ]
      const failing = Effect.suspend(() => Effect.fail(answers[attempts++]!))
      const fiber = yield* Effect.fork(
        Backoff.retry(failing, {
          policy,
          while: (error) => error.retryable,
          atLeast: (error) => error.after,
        }).pipe(Effect.flip, withRandom(0)),
      )
      yield* TestClock.adjust("4999 millis")
      expect(attempts).toBe(1)
      yield* TestClock.adjust("1 millis")
      const gaveUp = yield* Fiber.join(fiber)
      expect(attempts).toBe(2)
      expect(gaveUp).toEqual({ error: { retryable: false, after: 0 }, attempts: 2 })
    }),
  )

  it.effect("retry returns the first success", () =>
    Effect.gen(function* () {
      let attempts = 0
      const flaky = Effect.suspend(() => (++attempts < 2 ? Effect.fail("busy") : Effect.succeed("done")))
      const fiber = yield* Effect.fork(Backoff.retry(flaky, { policy }).pipe(withRandom(0)))
      yield* TestClock.adjust("500 millis")
      expect(yield* Fiber.join(fiber)).toBe("done")
      expect(attempts).toBe(2)
    }),
  )
})
