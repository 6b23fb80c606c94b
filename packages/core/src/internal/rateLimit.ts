/**
 * The client-side rate limit: a token bucket of `perSecond` tokens with room for `burst`, taken
 * one per request, in order. A 429 pauses every sender (`pauseFor`), and the bucket restarts
 * empty after the pause, so a rate-limited sync does not answer a 429 with a burst.
 * Time comes from `Clock`, so tests can drive it with `TestClock`.
 */
import { Clock, Effect } from "effect"

export interface RateLimit {
  readonly take: Effect.Effect<void>
  readonly pauseFor: (millis: number) => Effect.Effect<void>
}

export const make = (perSecond: number | undefined, burst: number): Effect.Effect<RateLimit> =>
  Effect.gen(function* () {
    const mutex = yield* Effect.makeSemaphore(1)
    let tokens = burst
    let last = yield* Clock.currentTimeMillis
    let pausedUntil = 0

    const limited = Effect.gen(function* () {
      for (;;) {
        const now = yield* Clock.currentTimeMillis
        if (now < pausedUntil) {
          yield* Effect.sleep(pausedUntil - now)
          continue
        }
        if (perSecond === undefined) return
        tokens = Math.min(burst, tokens + (Math.max(0, now - last) * perSecond) / 1000)
        last = Math.max(last, now)
        if (tokens >= 1) {
          tokens -= 1
          return
        }
        yield* Effect.sleep(Math.ceil(((1 - tokens) * 1000) / perSecond))
      }
    }).pipe(mutex.withPermits(1))
    // Without a limit and before any 429 there is nothing to wait for: skip the mutex and the clock.
    const take = Effect.suspend(() => (perSecond === undefined && pausedUntil === 0 ? Effect.void : limited))

    const pauseFor = (millis: number) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        if (now + millis > pausedUntil) pausedUntil = now + millis
        tokens = 0
        last = pausedUntil
      })

    return { take, pauseFor }
  })
