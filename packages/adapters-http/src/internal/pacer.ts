/**
 * Spaces request starts evenly so that a rate limit counted per second is never exceeded.
 *
 * A token bucket lets a full bucket go out at once at the end of one second and another at the
 * start of the next; even spacing cannot. The spacing carries a little headroom because the
 * server stamps requests when it reads them, so jitter on the way can bring two of them closer
 * than they were sent: with 5% headroom 20 requests span 1050 ms, so up to 50 ms of jitter still
 * keeps every one-second window at the limit.
 */
import { Clock, Duration, Effect } from "effect"

export const HEADROOM = 0.05

export interface Pacer {
  /** Waits for the next free slot; one caller at a time gets each slot. */
  readonly take: Effect.Effect<void>
  /** Keeps every caller away for `seconds` (after a 429 with `Retry-After`). */
  readonly pause: (seconds: number) => Effect.Effect<void>
}

const unlimited: Pacer = { take: Effect.void, pause: () => Effect.void }

export const make = (requestsPerSecond: number | undefined): Effect.Effect<Pacer> => {
  if (requestsPerSecond === undefined || !Number.isFinite(requestsPerSecond)) return Effect.succeed(unlimited)
  const spacingMillis = (1000 / requestsPerSecond) * (1 + HEADROOM)
  return Effect.map(Effect.makeSemaphore(1), (lock) => {
    let nextSlot = 0
    const take = lock.withPermits(1)(
      Effect.gen(function* () {
        const wait = nextSlot - (yield* Clock.currentTimeMillis)
        if (wait > 0) yield* Effect.sleep(Duration.millis(wait))
        // Measured after waking: a late wake-up must not let the following request in early.
        nextSlot = (yield* Clock.currentTimeMillis) + spacingMillis
      }),
    )
    const pause = (seconds: number) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        nextSlot = Math.max(nextSlot, now + seconds * 1000)
      })
    return { take, pause }
  })
}
