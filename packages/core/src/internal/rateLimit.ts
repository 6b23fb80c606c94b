/**
 * Which limiter a sync's requests go through. There is one: the sink's own when it has one (the
 * sink paces each `upsert` itself, so the pipeline only pauses it after a 429), else one made
 * from the sync's `requestsPerSecond` and `burst` (a token bucket; without a rate it only pauses).
 */
import { Effect } from "effect"
import type { Service as Sink } from "../ContactSink.js"
import type { Options } from "../RateLimiter.js"
import * as RateLimiter from "./rateLimiter.js"

/** What is wrong with a sync's `requestsPerSecond` and `burst`: checked as every `RateLimiter`'s options are. */
export const problems = (options: Pick<Options, "requestsPerSecond" | "burst">): ReadonlyArray<string> =>
  RateLimiter.problems(options)

export interface RateLimit {
  /** Paces one request, unless the sink paces it itself. */
  readonly pace: <A, E, R>(request: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Holds every sender back for `millis` (after a 429). */
  readonly pauseFor: (millis: number) => Effect.Effect<void>
}

/** `options` must have passed `RateLimiter.problems`. */
export const make = (
  sink: Sink,
  options: Pick<Options, "requestsPerSecond" | "burst">,
): Effect.Effect<RateLimit> => {
  const own = sink.limiter
  if (own !== undefined) return Effect.succeed({ pace: (request) => request, pauseFor: own.pause })
  return Effect.map(
    RateLimiter.make({
      algorithm: "token-bucket",
      requestsPerSecond: options.requestsPerSecond,
      burst: options.burst,
    }),
    (limiter) => ({ pace: limiter.run, pauseFor: limiter.pause }),
  )
}
