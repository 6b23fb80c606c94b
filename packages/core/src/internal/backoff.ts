/**
 * The retry backoff: exponential from `baseDelayMillis`, capped at `maxDelayMillis`, with "equal
 * jitter" (half the ceiling plus a random part of the other half: never 0, never in lockstep),
 * and the attempts budget that ends a retry loop.
 */
import { Duration, Effect, Option, Random } from "effect"
import type * as Api from "../Backoff.js"

export const make = (
  options: Api.Options,
  defaults: { readonly baseDelay: Duration.DurationInput },
): Api.Policy => ({
  maxAttempts: options.maxAttempts ?? 5,
  baseDelayMillis: Duration.toMillis(Duration.decode(options.baseDelay ?? defaults.baseDelay)),
  maxDelayMillis: Duration.toMillis(Duration.decode(options.maxDelay ?? "30 seconds")),
})

export const delay = (policy: Api.Policy, attempt: number): Effect.Effect<number> =>
  Effect.map(Random.next, (random) => {
    const ceiling = Math.min(policy.maxDelayMillis, policy.baseDelayMillis * 2 ** (attempt - 1))
    return Math.round(ceiling / 2 + (random * ceiling) / 2)
  })

const spent: Effect.Effect<Option.Option<number>> = Effect.succeed(Option.none())

export const next = (policy: Api.Policy, attempt: number): Effect.Effect<Option.Option<number>> =>
  attempt >= policy.maxAttempts ? spent : Effect.map(delay(policy, attempt), Option.some)

export const retry = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  options: Api.RetryOptions<E>,
): Effect.Effect<A, Api.GaveUp<E>, R> => {
  const loop = (attempt: number): Effect.Effect<A, Api.GaveUp<E>, R> =>
    Effect.catchAll(self, (error) => {
      const gaveUp = Effect.fail({ error, attempts: attempt })
      if (options.while !== undefined && !options.while(error)) return gaveUp
      return Effect.flatMap(next(options.policy, attempt), (wait) => {
        if (Option.isNone(wait)) return gaveUp
        const millis = Math.max(wait.value, options.atLeast?.(error) ?? 0)
        return Effect.zipRight(Effect.sleep(Duration.millis(millis)), loop(attempt + 1))
      })
    })
  return loop(1)
}
