/**
 * The MainBrainer CRM as a `ContactSink`: each batch is one `POST /contacts/batch` over HTTP.
 *
 * The sink reports faithfully what happened (the 202 body, the contract's typed errors, or a
 * `TransportError` saying whether the batch may have been applied); the pipeline decides what to
 * do about it. When a response is lost, the error (and a warning in the log) says how many of the
 * batch's contacts have no contactId, email or mobile: those are the ones a resend may duplicate.
 *
 * With `requestsPerSecond`, the sink paces its requests with a `RateLimiter` (core's, the
 * sliding-window algorithm): they are spread evenly and the CRM never counts more than that many
 * in one second; after a 429 everyone waits its `Retry-After`. Without it, the sink uses the
 * `RateLimiter` provided to it, if any (a limiter shared between processes, another algorithm):
 * provide it to the sink's layer, `MainBrainer.layer(options).pipe(Layer.provide(RateLimiter.layer(…)))`;
 * a limiter merged beside the sink (`Layer.mergeAll`) does not reach it. A sync uses the sink's
 * limiter rather than one of its own.
 *
 * The bearer token stays `Redacted`: it is put into the request's headers and nowhere else, and
 * errors never carry the request. It is refused over plain `http://` to a host that is not this
 * machine unless `allowInsecureToken` is set.
 *
 * @since 0.1.0
 * @module
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { ContactSink, RateLimiter } from "@brainsync/core"
import {
  Clock,
  Config,
  type ConfigError,
  Data,
  Duration,
  Effect,
  Either,
  Layer,
  Option,
  Redacted,
} from "effect"
import { type Configurable, read, readAll } from "./internal/configured.js"
import { interpret } from "./internal/responses.js"
import { parseRetryAfter } from "./internal/retryAfter.js"
import { countUnidentified, fromClientError, timedOut, withDuplicateRisk } from "./internal/transport.js"

/**
 * Where the CRM is, the token to send, and the timeout and rate of requests.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Where the API lives, e.g. `https://api.mainbrainer.example/v1`; `/contacts/batch` is appended. */
  readonly baseUrl: string
  readonly token: Redacted.Redacted<string>
  /** How long one request may take, answer included (default 30 seconds). */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * The CRM's rate limit; requests are spaced so that the CRM never counts more in one second
   * (default: the `RateLimiter` provided to the sink's layer with `Layer.provide`, else no limit).
   */
  readonly requestsPerSecond?: number | undefined
  /** Send the token over plain `http://` to a host that is not loopback (default false). */
  readonly allowInsecureToken?: boolean | undefined
}

/**
 * The options of `layerConfig`: each one a value or the `Config` to read it from. `baseUrl`
 * defaults to `Config.string("MAINBRAINER_BASE_URL")`, and `token` to
 * `Config.redacted("MAINBRAINER_TOKEN")`.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigOptions = Configurable<Options>

/**
 * The sink was configured so that it cannot, or must not, send anything.
 *
 * @since 0.1.0
 * @category errors
 */
export class SinkConfigError extends Data.TaggedError("SinkConfigError")<{
  readonly reason: "InvalidUrl" | "InsecureToken" | "InvalidRate"
  readonly message: string
}> {}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i

const endpointUrl = (options: Options): Either.Either<URL, SinkConfigError> => {
  let base: URL
  try {
    base = new URL(options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`)
  } catch {
    return Either.left(
      new SinkConfigError({ reason: "InvalidUrl", message: "the CRM base URL is not a URL" }),
    )
  }
  if (base.protocol !== "https:" && base.protocol !== "http:") {
    return Either.left(
      new SinkConfigError({
        reason: "InvalidUrl",
        message: `the CRM base URL must be http(s), not ${base.protocol}`,
      }),
    )
  }
  if (base.protocol === "http:" && !LOOPBACK.test(base.hostname) && options.allowInsecureToken !== true) {
    return Either.left(
      new SinkConfigError({
        reason: "InsecureToken",
        message:
          `refusing to send the bearer token over plain http:// to ${base.hostname}; ` +
          "use https://, or set allowInsecureToken if the network is trusted",
      }),
    )
  }
  return Either.right(new URL("contacts/batch", base))
}

/**
 * A sink over the `HttpClient` in the context (see `layer` for one with its own connection pool).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options,
): Effect.Effect<ContactSink.Service, SinkConfigError, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const url = yield* endpointUrl(options)
    const limiter = yield* limiterOf(options)
    const pace = <A, E, R>(request: Effect.Effect<A, E, R>) =>
      limiter === undefined ? request : limiter.run(request)
    const timeout = Duration.decode(options.timeout ?? "30 seconds")
    const client = yield* HttpClient.HttpClient
    const base = HttpClientRequest.post(url).pipe(
      HttpClientRequest.bearerToken(options.token),
      HttpClientRequest.acceptJson,
    )

    const send = (request: HttpClientRequest.HttpClientRequest) =>
      client.execute(request).pipe(
        Effect.flatMap((response) =>
          response.text.pipe(
            Effect.map((text): string | undefined => text),
            // A broken body after a documented error status still means what the status says.
            Effect.catchAll(() => Effect.succeed(undefined)),
            Effect.map((body) => ({ response, body })),
          ),
        ),
        Effect.mapError(fromClientError),
        Effect.timeoutFail({ duration: timeout, onTimeout: () => timedOut(Duration.format(timeout)) }),
      )

    const upsert: ContactSink.Service["upsert"] = (batch) =>
      Effect.gen(function* () {
        const { response, body } = yield* pace(send(HttpClientRequest.bodyUnsafeJson(base, batch))).pipe(
          Effect.catchIf(
            (error) => error.maybeApplied,
            (error) => {
              const unidentified = countUnidentified(batch.createUpdateContacts)
              const warned = withDuplicateRisk(error, unidentified)
              return Effect.zipRight(
                unidentified === 0 ? Effect.void : Effect.logWarning(`MainBrainer: ${warned.message}`),
                Effect.fail(warned),
              )
            },
          ),
        )
        const now = yield* Clock.currentTimeMillis
        const answer = interpret({
          status: response.status,
          body,
          retryAfterSeconds: parseRetryAfter(response.headers["retry-after"], now),
        })
        if (limiter !== undefined && Either.isLeft(answer) && answer.left._tag === "RateLimited") {
          yield* limiter.pause(Duration.seconds(answer.left.retryAfterSeconds ?? 1))
        }
        return yield* answer
      })

    return limiter === undefined ? { upsert } : { upsert, limiter }
  })

/** The sink's limiter: its own from `requestsPerSecond`, else the one provided, else none. */
const limiterOf = (options: Options): Effect.Effect<RateLimiter.Service | undefined, SinkConfigError> =>
  options.requestsPerSecond === undefined
    ? Effect.map(Effect.serviceOption(RateLimiter.RateLimiter), Option.getOrUndefined)
    : RateLimiter.make({ requestsPerSecond: options.requestsPerSecond }).pipe(
        Effect.mapError((error) => new SinkConfigError({ reason: "InvalidRate", message: error.message })),
      )

/** The undici connection pool: kept-alive connections, closed with the layer. */
const ClientLive = NodeHttpClient.layerUndici

/**
 * The sink as a layer, with its own pooled HTTP client.
 *
 * @example
 * ```ts
 * import { MainBrainer } from "@brainsync/adapters-http"
 * import { Redacted } from "effect"
 *
 * declare const token: Redacted.Redacted<string> // from your secret store, never as plain text
 *
 * const CrmLive = MainBrainer.layer({
 *   baseUrl: "https://api.mainbrainer.example/v1",
 *   token,
 *   requestsPerSecond: 10,
 *   timeout: "10 seconds",
 * })
 * //    ^? Layer<ContactSink, SinkConfigError>
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<ContactSink.ContactSink, SinkConfigError> =>
  Layer.effect(ContactSink.ContactSink, make(options)).pipe(Layer.provide(ClientLive))

/**
 * The sink as a layer over the `HttpClient` given by the caller (a proxy, a test client).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithClient = (
  options: Options,
): Layer.Layer<ContactSink.ContactSink, SinkConfigError, HttpClient.HttpClient> =>
  Layer.effect(ContactSink.ContactSink, make(options))

/**
 * The sink from configuration: by default `MAINBRAINER_BASE_URL` and `MAINBRAINER_TOKEN` (read
 * with `Config.redacted`, so the token is never held as plain text); each option is a value or a
 * `Config`, e.g. `layerConfig({ requestsPerSecond: 10 })`.
 *
 * @example
 * ```ts
 * import { CsvSource } from "@brainsync/adapters-csv"
 * import { MainBrainer } from "@brainsync/adapters-http"
 * import { Mapping, Sync } from "@brainsync/core"
 * import { Config, Effect } from "effect"
 *
 * // MAINBRAINER_BASE_URL and MAINBRAINER_TOKEN from the environment; the rate from CRM_RATE, or 10
 * const CrmLive = MainBrainer.layerConfig({
 *   requestsPerSecond: Config.number("CRM_RATE").pipe(Config.withDefault(10)),
 * })
 *
 * const program = Sync.run({
 *   name: "crm-contacts",
 *   source: CsvSource.fromFile("export.csv"),
 *   mapping: Mapping.make({ key: "external_id", fields: { email: "email" } }),
 * }).pipe(Effect.provide(CrmLive))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: ConfigOptions = {},
): Layer.Layer<ContactSink.ContactSink, SinkConfigError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const baseUrl = (yield* read(options.baseUrl)) ?? (yield* Config.string("MAINBRAINER_BASE_URL"))
      const token = (yield* read(options.token)) ?? (yield* Config.redacted("MAINBRAINER_TOKEN"))
      const rest = yield* readAll(options, ["timeout", "requestsPerSecond", "allowInsecureToken"])
      return layer({ baseUrl, token, ...rest })
    }),
  )
