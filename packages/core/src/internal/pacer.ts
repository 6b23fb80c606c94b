/**
 * The sliding-window algorithm ("pacer"): keeps requests under a per-second limit as the server
 * counts them, evenly spread.
 *
 * - Starts are booked on an even grid (1/rate apart), so that requests go out spread across each
 *   second rather than in a burst, and a late wake-up does not push every later slot back.
 * - A request starts only once a second has passed since the request `limit` places before it
 *   *finished*. A server stamps a request somewhere between its start and its answer, so this
 *   keeps any `limit + 1` of them more than a second apart however the network or the server's
 *   own pauses bunch them up on the way. (Timing starts alone is not enough: after a stall of the
 *   server, requests sent evenly are read, and counted, together.)
 * A token bucket, by contrast, lets a full bucket go at the end of one second and another at the
 * start of the next.
 */
import { Clock, Deferred, Duration, Effect } from "effect"

/** Added to the one-second window for clock granularity (both sides count whole milliseconds). */
export const WINDOW_MARGIN_MILLIS = 2

export interface Pacer {
  /** Runs `request` in the next free slot; slots are given in order of arrival. */
  readonly run: <A, E, R>(request: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Keeps every caller away for `millis` (after a 429 with `Retry-After`). */
  readonly pauseFor: (millis: number) => Effect.Effect<void>
}

/** `requestsPerSecond` is finite and more than 0 (`RateLimiter.problems` checked it). */
export const make = (requestsPerSecond: number): Effect.Effect<Pacer> => {
  const spacingMillis = 1000 / requestsPerSecond
  const windowMillis = 1000 + WINDOW_MARGIN_MILLIS
  const perWindow = Math.max(1, Math.floor(requestsPerSecond))
  return Effect.map(Effect.makeSemaphore(1), (lock) => {
    let nextSlot = 0
    let pausedUntil = 0
    /** When each of the last `perWindow` requests finished, by place modulo `perWindow`. */
    const finished: Array<Deferred.Deferred<number> | undefined> = new Array(perWindow)
    let place = 0

    const book = (done: Deferred.Deferred<number>) =>
      lock.withPermits(1)(
        Effect.gen(function* () {
          const earlier = finished[place]
          finished[place] = done
          place = (place + 1) % perWindow
          const earlierEnd = earlier === undefined ? Number.NEGATIVE_INFINITY : yield* Deferred.await(earlier)
          let now = yield* Clock.currentTimeMillis
          let slot = Math.max(nextSlot, pausedUntil, earlierEnd + windowMillis, now)
          while (slot > now) {
            yield* Effect.sleep(Duration.millis(slot - now))
            now = yield* Clock.currentTimeMillis
            // A 429 answered while this request waited for its slot holds it back too.
            slot = Math.max(slot, pausedUntil)
          }
          nextSlot = slot + spacingMillis
        }),
      )

    const run = <A, E, R>(request: Effect.Effect<A, E, R>) =>
      Effect.flatMap(Deferred.make<number>(), (done) =>
        Effect.zipRight(book(done), request).pipe(
          Effect.ensuring(Effect.flatMap(Clock.currentTimeMillis, (end) => Deferred.succeed(done, end))),
        ),
      )

    const pauseFor = (millis: number) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        pausedUntil = Math.max(pausedUntil, now + millis)
      })
    return { run, pauseFor }
  })
}
