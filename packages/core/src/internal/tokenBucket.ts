/**
 * The token-bucket algorithm: `perSecond` tokens a second with room for `burst`, taken one per
 * request, in order. A pause (after a 429) holds every caller back, and the bucket restarts empty
 * after it, so that a rate-limited sync does not answer a 429 with a burst. Without `perSecond`
 * nothing is paced, but pauses still hold. Time comes from `Clock`, so tests drive it with `TestClock`.
 */
import { Clock, Effect } from "effect"

export interface TokenBucket {
  /** Waits for a token (and for the end of any pause). */
  readonly take: Effect.Effect<void>
  readonly pauseFor: (millis: number) => Effect.Effect<void>
}

export const make = (perSecond: number | undefined, burst: number): Effect.Effect<TokenBucket> =>
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
