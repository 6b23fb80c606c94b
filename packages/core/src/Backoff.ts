/**
 * The retry backoff, written once for every retry loop (the sync's deliveries, paginated HTTP
 * sources): attempt `n` waits between half and all of `baseDelay × 2^(n-1)`, capped at
 * `maxDelay` ("equal jitter": never 0, and senders that failed together do not retry in
 * lockstep), and a loop stops after `maxAttempts` attempts.
 *
 * ```ts
 * const policy = Backoff.make({ maxAttempts: 5, baseDelay: "200 millis" })
 * const page = Backoff.retry(fetchPage, { policy, while: (error) => error.retryable })
 * //    ^? Effect<Page, Backoff.GaveUp<PageError>>
 * ```
 *
 * @since 0.1.0
 * @module
 */
import type { Duration, Effect, Option } from "effect"
import * as internal from "./internal/backoff.js"

/**
 * How often and how long to retry, in whole milliseconds.
 *
 * @since 0.1.0
 * @category models
 */
export interface Policy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number
  /** The ceiling of the first wait; it doubles with each attempt. */
  readonly baseDelayMillis: number
  /** The highest ceiling. */
  readonly maxDelayMillis: number
}

/**
 * A `Policy` as a user gives it: each part optional, durations in any `Duration` form.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default 5. */
  readonly maxAttempts?: number | undefined
  /** Default: the caller's. */
  readonly baseDelay?: Duration.DurationInput | undefined
  /** Default 30 seconds. */
  readonly maxDelay?: Duration.DurationInput | undefined
}

/**
 * A `Policy` from `Options`, with the caller's default first delay.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options: Options, defaults?: { readonly baseDelay: Duration.DurationInput }) => Policy = (
  options,
  defaults = { baseDelay: "250 millis" },
) => internal.make(options, defaults)

/**
 * The wait, in whole milliseconds, after failed attempt `attempt` (from 1), from the `Random`
 * service; it ignores the attempts budget.
 *
 * @since 0.1.0
 * @category backoff
 */
export const delay: (policy: Policy, attempt: number) => Effect.Effect<number> = internal.delay

/**
 * The loop's guard and its wait: after failed attempt `attempt`, `none` when the budget is spent,
 * else the wait before the next attempt.
 *
 * @since 0.1.0
 * @category backoff
 */
export const next: (policy: Policy, attempt: number) => Effect.Effect<Option.Option<number>> = internal.next

/**
 * What `retry` needs besides the effect.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions<E> {
  readonly policy: Policy
  /** Whether another attempt may help after `error` (default: always). */
  readonly while?: ((error: E) => boolean) | undefined
  /** The least wait after `error`, in milliseconds (a `Retry-After`): it wins over a shorter backoff. */
  readonly atLeast?: ((error: E) => number) | undefined
}

/**
 * How a retry loop ended without success: the last error, and the attempts made.
 *
 * @since 0.1.0
 * @category models
 */
export interface GaveUp<E> {
  readonly error: E
  readonly attempts: number
}

/**
 * Runs `self` until it succeeds, waiting the backoff between attempts, until an error that
 * `while` refuses or the attempts budget ends it.
 *
 * @since 0.1.0
 * @category combinators
 */
export const retry: <A, E, R>(
  self: Effect.Effect<A, E, R>,
  options: RetryOptions<E>,
) => Effect.Effect<A, GaveUp<E>, R> = internal.retry
