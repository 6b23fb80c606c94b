/**
 * The client-side rate limit: one limiter paces every request to the CRM (`run`) and, after a
 * 429, holds every sender back (`pause`). It is configured once: the MainBrainer sink makes one
 * from its `requestsPerSecond` (or takes the `RateLimiter` provided to it), and a sync uses the
 * sink's limiter when it has one, rather than adding its own.
 *
 * The algorithm is an option:
 *
 * - `"sliding-window"` (the default): starts spread evenly, 1/rate apart, and a request starts
 *   only once a second has passed since the one `requestsPerSecond` places before it *finished*,
 *   so the server never counts more than the limit in any second, however the network bunches
 *   requests up on the way.
 * - `"token-bucket"`: up to `burst` requests at once after a quiet period, then `requestsPerSecond`;
 *   after a pause the bucket starts empty.
 *
 * Without `requestsPerSecond` nothing is paced, but a pause still holds every request.
 *
 * `make` and `layer` build the limiter of this process; a limiter shared by several processes
 * is another `Service` provided under the same tag.
 *
 * @since 0.1.0
 * @module
 */
import { Context, Data, Effect, Layer } from "effect"
import type { Duration } from "effect"
import * as internal from "./internal/rateLimiter.js"

/**
 * How requests are spaced: see the module's description.
 *
 * @since 0.1.0
 * @category models
 */
export type Algorithm = "sliding-window" | "token-bucket"

/**
 * The limit and how to keep it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Requests per second; default none (nothing is paced, 429 pauses still hold). */
  readonly requestsPerSecond?: number | undefined
  /** Default `"sliding-window"`. */
  readonly algorithm?: Algorithm | undefined
  /** `"token-bucket"` only: requests that may go at once after a quiet period; default `requestsPerSecond` (at least 1). */
  readonly burst?: number | undefined
}

/**
 * What a limiter does.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Runs `request` when the limit allows it (after any pause); requests are let through in order of arrival. */
  readonly run: <A, E, R>(request: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Holds every request back for `duration` from now (after a 429); an earlier pause that ends later still holds. */
  readonly pause: (duration: Duration.DurationInput) => Effect.Effect<void>
}

/**
 * The limiter service.
 *
 * @since 0.1.0
 * @category services
 */
export class RateLimiter extends Context.Tag("@brainsync/core/RateLimiter")<RateLimiter, Service>() {}

/**
 * The options cannot make a limiter.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimiterConfigError extends Data.TaggedError("RateLimiterConfigError")<{
  readonly message: string
}> {}

/**
 * What is wrong with `options`, one line each (none when they are fine).
 *
 * @since 0.1.0
 * @category utils
 */
export const problems: (options: Options) => ReadonlyArray<string> = internal.problems

/**
 * A limiter of this process. Time comes from `Clock`, so tests can drive it with `TestClock`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, RateLimiterConfigError> =>
  Effect.suspend(() => {
    const found = problems(options)
    return found.length > 0
      ? Effect.fail(new RateLimiterConfigError({ message: found.join("; ") }))
      : internal.make(options)
  })

/**
 * `make` as a layer.
 *
 * @example
 * ```ts
 * import { MainBrainer } from "@brainsync/adapters-http"
 * import { RateLimiter } from "@brainsync/core"
 * import { Layer, Redacted } from "effect"
 *
 * declare const token: Redacted.Redacted<string>
 *
 * // The sink takes the limiter it is given when it has no requestsPerSecond of its own.
 * const CrmLive = MainBrainer.layer({ baseUrl: "https://api.mainbrainer.example/v1", token }).pipe(
 *   Layer.provide(RateLimiter.layer({ requestsPerSecond: 10, algorithm: "token-bucket", burst: 5 })),
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<RateLimiter, RateLimiterConfigError> =>
  Layer.effect(RateLimiter, make(options))
