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
 * `probe` checks the token and the list before a sync, with requests the CRM cannot apply.
 *
 * @since 0.1.0
 * @module
 */
import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
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
import {
  CrmUnreachable,
  run as runProbe,
  verifyToken,
  TokenRefused,
  UnexpectedAnswer,
  UnknownList,
} from "./internal/probe.js"
import * as PlainHttp from "./internal/plainHttp.js"
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
  if (PlainHttp.exposesSecret(base) && options.allowInsecureToken !== true) {
    return Either.left(
      new SinkConfigError({
        reason: "InsecureToken",
        message: PlainHttp.refusal("the bearer token", base, "allowInsecureToken"),
      }),
    )
  }
  return Either.right(new URL("contacts/batch", base))
}

/** One request to the endpoint and its answer as it came (the body `undefined` when it broke off). */
type Send = (
  body: unknown,
) => Effect.Effect<
  { readonly response: HttpClientResponse.HttpClientResponse; readonly body: string | undefined },
  ContactSink.TransportError
>

/** The endpoint over the `HttpClient` in the context, with the token, the accept header and the timeout. */
const connect = (options: Options): Effect.Effect<Send, SinkConfigError, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const url = yield* endpointUrl(options)
    const timeout = Duration.decode(options.timeout ?? "30 seconds")
    const client = yield* HttpClient.HttpClient
    const base = HttpClientRequest.post(url).pipe(
      HttpClientRequest.bearerToken(options.token),
      HttpClientRequest.acceptJson,
    )
    return (body) =>
      client.execute(HttpClientRequest.bodyUnsafeJson(base, body)).pipe(
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
  })

/** What an answer means: the 202 body, or the contract's error for its status. */
const readAnswer = ({ response, body }: Effect.Effect.Success<ReturnType<Send>>) =>
  Effect.map(Clock.currentTimeMillis, (now) =>
    interpret({
      status: response.status,
      body,
      retryAfterSeconds: parseRetryAfter(response.headers["retry-after"], now),
    }),
  )

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
    const send = yield* connect(options)
    const limiter = yield* limiterOf(options)
    const pace = <A, E, R>(request: Effect.Effect<A, E, R>) =>
      limiter === undefined ? request : limiter.run(request)

    const upsert: ContactSink.Service["upsert"] = (batch) =>
      Effect.gen(function* () {
        const sent = yield* pace(send(batch)).pipe(
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
        const answer = yield* readAnswer(sent)
        if (limiter !== undefined && Either.isLeft(answer) && answer.left._tag === "RateLimited") {
          yield* limiter.pause(Duration.seconds(answer.left.retryAfterSeconds ?? 1))
        }
        return yield* answer
      })

    const verify = verifyToken((body) => Effect.flatten(Effect.flatMap(pace(send(body)), readAnswer)))
    return limiter === undefined ? { upsert, verify } : { upsert, limiter, verify }
  })

/**
 * What `probe` checks: the CRM and the token as for the sink, and the list the contacts would go to.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProbeOptions extends Pick<Options, "baseUrl" | "token" | "timeout" | "allowInsecureToken"> {
  /** The list to check; without it only the token is checked. */
  readonly listId?: string | undefined
}

export { CrmUnreachable, TokenRefused, UnexpectedAnswer, UnknownList }

/**
 * Every way `probe` finds the CRM not ready for a sync.
 *
 * @since 0.1.0
 * @category errors
 */
export type ProbeError = TokenRefused | UnknownList | CrmUnreachable | UnexpectedAnswer

/**
 * Checks, before a sync, that the CRM accepts the token and knows the list, **without creating or
 * changing any contact**. It sends two requests that the contract does not let the CRM apply:
 *
 * 1. a batch with no contacts, for the token: the CRM authenticates before it reads the body (401
 *    for a bad token), then refuses the empty batch (400); even a CRM that accepted it would have
 *    nothing in it to create or change;
 * 2. then, with `listId`, a batch in that list whose one contact has no contactId, email or
 *    mobile number, for the list: the CRM upserts by those identities, so it can neither match nor
 *    create such a contact, and it refuses the batch as a whole (422, nothing applied), naming each
 *    problem, an unknown list among them. Were the CRM to accept it anyway (202), the probe fails
 *    with `UnexpectedAnswer` rather than call the list good.
 *
 * Requests that get no usable answer (no connection, timeout, 429, 5xx) are retried a few times,
 * which is safe since neither can change anything. The sink's rules hold: the token stays
 * `Redacted` and is refused over plain `http://` to another machine without `allowInsecureToken`.
 * Properties the CRM does not know are not found this way: the CRM reports them only for a batch
 * it accepts.
 *
 * @example
 * ```ts
 * import { MainBrainer } from "@brainsync/adapters-http"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Redacted } from "effect"
 *
 * declare const token: Redacted.Redacted<string>
 *
 * const ready = MainBrainer.probe({
 *   baseUrl: "https://api.mainbrainer.example/v1",
 *   token,
 *   listId: "9fc6ad7d-902a-4834-b161-a4911b883d44",
 * }).pipe(
 *   Effect.catchTag("TokenRefused", () => Effect.logError("ask for a new token")),
 *   Effect.provide(NodeHttpClient.layerUndici),
 * )
 * ```
 *
 * @since 0.1.0
 * @category probing
 */
export const probe = (
  options: ProbeOptions,
): Effect.Effect<void, ProbeError | SinkConfigError, HttpClient.HttpClient> =>
  Effect.flatMap(connect(options), (send) =>
    runProbe((body) => Effect.flatten(Effect.flatMap(send(body), readAnswer)), options.listId),
  )

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
