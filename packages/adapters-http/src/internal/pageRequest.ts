/**
 * One page of an HTTP source: a `GET` with the source's headers and credentials, answered by a
 * parsed JSON body, or a `Failure` that says whether trying again may help (429, 408, 5xx,
 * timeouts, broken connections) and how long a `Retry-After` asks to wait.
 */
import { type HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Clock, Duration, Effect, Redacted } from "effect"
import type * as HttpSource from "../HttpSource.js"
import type { Page } from "./paginators.js"
import { parseRetryAfter } from "./retryAfter.js"
import { errorCode } from "./transport.js"

/** A failed page: whether trying again may help, and after how long at least. */
export interface Failure {
  readonly message: string
  readonly retryable: boolean
  readonly retryAfterSeconds?: number | undefined
  readonly cause?: unknown
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504])

const authorize = (request: HttpClientRequest.HttpClientRequest, auth: HttpSource.Auth | undefined) => {
  if (auth === undefined) return request
  return auth._tag === "Bearer"
    ? HttpClientRequest.bearerToken(request, auth.token)
    : HttpClientRequest.setHeader(request, auth.name, Redacted.value(auth.value))
}

const read = (response: HttpClientResponse.HttpClientResponse, page: number) =>
  Effect.gen(function* () {
    if (response.status < 200 || response.status >= 300) {
      const now = yield* Clock.currentTimeMillis
      return yield* Effect.fail<Failure>({
        message: `page ${page}: HTTP ${response.status}`,
        retryable: RETRYABLE_STATUS.has(response.status),
        retryAfterSeconds: parseRetryAfter(response.headers["retry-after"], now),
      })
    }
    const text = yield* Effect.mapError(response.text, (error): Failure => ({
      message: `page ${page}: the body broke off`,
      retryable: true,
      cause: error.cause,
    }))
    const body = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (): Failure => ({ message: `page ${page}: the body is not JSON`, retryable: false }),
    })
    return { body, link: response.headers["link"] } satisfies Page
  })

/** Fetches the page numbered `page` at `url`, once. */
export const make =
  (
    client: HttpClient.HttpClient,
    options: Pick<HttpSource.Options, "auth" | "headers">,
    timeout: Duration.Duration,
  ) =>
  (url: URL, page: number): Effect.Effect<Page, Failure> =>
    client
      .execute(
        authorize(
          HttpClientRequest.get(url).pipe(
            HttpClientRequest.acceptJson,
            HttpClientRequest.setHeaders(options.headers ?? {}),
          ),
          options.auth,
        ),
      )
      .pipe(
        Effect.mapError((error): Failure => ({
          message: `page ${page}: ${errorCode(error.cause) ?? error.reason} from ${url.host}`,
          retryable: error._tag === "ResponseError" || error.reason === "Transport",
          cause: error.cause,
        })),
        Effect.flatMap((response) => read(response, page)),
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: (): Failure => ({
            message: `page ${page}: no answer within ${Duration.format(timeout)}`,
            retryable: true,
          }),
        }),
      )
