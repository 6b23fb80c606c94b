/** The in-process `RateLimiter`: one of the two algorithms, behind the service's `run` and `pause`. */
import { Duration, Effect } from "effect"
import type * as Api from "../RateLimiter.js"
import * as Pacer from "./pacer.js"
import * as TokenBucket from "./tokenBucket.js"

const ALGORITHMS: ReadonlyArray<Api.Algorithm> = ["sliding-window", "token-bucket"]

export const problems = (options: Api.Options): ReadonlyArray<string> => {
  const found: Array<string> = []
  const { requestsPerSecond, burst, algorithm } = options
  if (requestsPerSecond !== undefined && !(requestsPerSecond > 0))
    found.push(`requestsPerSecond must be more than 0, not ${requestsPerSecond}`)
  if (burst !== undefined && !(burst >= 1)) found.push(`burst must be at least 1, not ${burst}`)
  if (algorithm !== undefined && !ALGORITHMS.includes(algorithm))
    found.push(`algorithm must be ${ALGORITHMS.map((a) => `"${a}"`).join(" or ")}, not ${String(algorithm)}`)
  return found
}

const millis = (duration: Duration.DurationInput) => Duration.toMillis(Duration.decode(duration))

/** A limiter from options that `problems` found nothing wrong with. */
export const make = (options: Api.Options): Effect.Effect<Api.Service> => {
  const rate = options.requestsPerSecond
  if (rate !== undefined && Number.isFinite(rate) && options.algorithm !== "token-bucket")
    return Effect.map(Pacer.make(rate), (pacer) => ({
      run: pacer.run,
      pause: (duration) => pacer.pauseFor(millis(duration)),
    }))
  // Without a finite rate there is nothing to pace, but a pause after a 429 still holds: the
  // token bucket without a rate does exactly that.
  const perSecond = rate !== undefined && Number.isFinite(rate) ? rate : undefined
  return Effect.map(TokenBucket.make(perSecond, options.burst ?? Math.max(1, rate ?? 1)), (bucket) => ({
    run: (request) => Effect.zipRight(bucket.take, request),
    pause: (duration) => bucket.pauseFor(millis(duration)),
  }))
}
