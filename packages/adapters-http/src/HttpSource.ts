/**
 * Rows from another system's JSON REST API, page by page: page numbers, offset/limit, a cursor
 * in the body, or `Link: <...>; rel="next"` headers. The items are found by a path into each
 * page's body; each page is one chunk of rows, positioned `page 3 #17` (the page fetched and the
 * item's place on it, both from 1). 429, 5xx, timeouts and broken connections are retried with
 * backoff (a 429's `Retry-After` is honoured); anything else stops the source with `SourceError`.
 *
 * ```ts
 * const source = HttpSource.make({
 *   url: "https://api.example.com/v2/customers",
 *   items: "data",
 *   pagination: HttpSource.cursor({ cursorPath: "meta.next", param: "after" }),
 *   auth: HttpSource.bearer(token),
 * }) // Stream<SourceRow, SourceError, HttpClient>: provide NodeHttpClient.layerUndici
 * ```
 *
 * @since 0.1.0
 * @module
 */
import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { SourceRow } from "@brainsync/core"
import { Chunk, Clock, Duration, Effect, Option, Random, Redacted, Stream } from "effect"
import * as JsonPath from "./internal/jsonPath.js"
import { nextLink } from "./internal/linkHeader.js"
import { parseRetryAfter } from "./internal/retryAfter.js"
import { errorCode } from "./internal/transport.js"

/**
 * `?page=1`, `?page=2`, ... until a page comes back empty or shorter than `size`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PageNumber {
  readonly _tag: "PageNumber"
  readonly param: string
  readonly first: number
  readonly sizeParam: string | undefined
  readonly size: number | undefined
}

/**
 * `?offset=0&limit=100`, `?offset=100&limit=100`, ... until a page is shorter than `limit`.
 *
 * @since 0.1.0
 * @category models
 */
export interface OffsetLimit {
  readonly _tag: "OffsetLimit"
  readonly offsetParam: string
  readonly limitParam: string
  readonly limit: number
}

/**
 * The next page's cursor is in the body at `cursorPath`, sent back as `?<param>=...`; no cursor ends it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Cursor {
  readonly _tag: "Cursor"
  readonly cursorPath: ReadonlyArray<string>
  readonly param: string
}

/**
 * The next page is the `Link` header's `rel="next"` target (GitHub style); none ends it.
 *
 * @since 0.1.0
 * @category models
 */
export interface LinkHeader {
  readonly _tag: "LinkHeader"
}

/**
 * How the source finds the next page, and when there is none.
 *
 * @since 0.1.0
 * @category models
 */
export type Pagination = PageNumber | OffsetLimit | Cursor | LinkHeader

/**
 * Pages by number: `?page=1`, `?page=2`, ... (`param` and `first` change the name and the first
 * number). `sizeParam` and `size` add the page size to the query; with `size`, a short page is the
 * last.
 *
 * @since 0.1.0
 * @category pagination
 */
export const pageNumber = (
  options: {
    readonly param?: string | undefined
    readonly first?: number | undefined
    readonly sizeParam?: string | undefined
    readonly size?: number | undefined
  } = {},
): PageNumber => ({
  _tag: "PageNumber",
  param: options.param ?? "page",
  first: options.first ?? 1,
  sizeParam: options.sizeParam,
  size: options.size,
})

/**
 * Pages by offset: `?offset=0&limit=<limit>`, then `offset` moves on by the rows received; a short
 * page is the last.
 *
 * @since 0.1.0
 * @category pagination
 */
export const offsetLimit = (options: {
  readonly limit: number
  readonly offsetParam?: string | undefined
  readonly limitParam?: string | undefined
}): OffsetLimit => ({
  _tag: "OffsetLimit",
  offsetParam: options.offsetParam ?? "offset",
  limitParam: options.limitParam ?? "limit",
  limit: options.limit,
})

/**
 * Pages by cursor: the next one is read at `cursorPath` in each body and sent back as `param` (default
 * `cursor`).
 *
 * @since 0.1.0
 * @category pagination
 */
export const cursor = (options: {
  readonly cursorPath: JsonPath.Path
  readonly param?: string | undefined
}): Cursor => ({
  _tag: "Cursor",
  cursorPath: JsonPath.segments(options.cursorPath),
  param: options.param ?? "cursor",
})

/**
 * Pages by the `Link` header's `rel="next"` target.
 *
 * @since 0.1.0
 * @category pagination
 */
export const linkHeader: LinkHeader = { _tag: "LinkHeader" }

/**
 * How requests authenticate: a bearer token or a custom header, both `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export type Auth =
  | { readonly _tag: "Bearer"; readonly token: Redacted.Redacted<string> }
  | { readonly _tag: "Header"; readonly name: string; readonly value: Redacted.Redacted<string> }

/**
 * `Authorization: Bearer <token>`.
 *
 * @since 0.1.0
 * @category auth
 */
export const bearer = (token: Redacted.Redacted<string>): Auth => ({ _tag: "Bearer", token })

/**
 * A custom header such as `X-Api-Key`.
 *
 * @since 0.1.0
 * @category auth
 */
export const header = (name: string, value: Redacted.Redacted<string>): Auth => ({
  _tag: "Header",
  name,
  value,
})

/**
 * Where the API is, how it pages, where the items are in a page, and how long and how often to
 * try a page.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The first page's URL; its query parameters are kept on every page. */
  readonly url: string
  readonly pagination: Pagination
  /** Where the page's array of items is in the body (`data.items`); default the body itself. */
  readonly items?: JsonPath.Path | undefined
  readonly auth?: Auth | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Attempts per page on 429, 5xx, timeouts and broken connections (default 5). */
  readonly maxAttempts?: number | undefined
  /** First retry delay, doubled each attempt, with jitter (default 200 ms); a 429's Retry-After wins. */
  readonly retryBaseDelay?: Duration.DurationInput | undefined
  /** Longest backoff between attempts (default 30 seconds); a longer Retry-After is still honoured. */
  readonly retryMaxDelay?: Duration.DurationInput | undefined
  /** How long one page may take (default 30 seconds). */
  readonly timeout?: Duration.DurationInput | undefined
  /** Names the source in errors (default the URL without its query). */
  readonly name?: string | undefined
}

interface Page {
  readonly body: unknown
  readonly link: string | undefined
}

/** A failed page: whether trying again may help, and after how long at least. */
interface Failure {
  readonly message: string
  readonly retryable: boolean
  readonly retryAfterSeconds?: number | undefined
  readonly cause?: unknown
}

interface State {
  readonly page: number
  readonly url: URL
  readonly offset: number
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504])

/**
 * The rows of every page, fetched one page at a time as the stream is pulled, with the
 * `HttpClient` in the context.
 *
 * @example
 * ```ts
 * import { HttpSource } from "@brainsync/adapters-http"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Config, Effect, Stream } from "effect"
 *
 * const source = Stream.unwrap(
 *   Effect.map(Config.redacted("CUSTOMERS_API_TOKEN"), (token) =>
 *     HttpSource.make({
 *       url: "https://api.example.com/v2/customers?status=active",
 *       items: "data",
 *       pagination: HttpSource.cursor({ cursorPath: "meta.next", param: "after" }),
 *       auth: HttpSource.bearer(token),
 *     }),
 *   ),
 * ).pipe(Stream.provideLayer(NodeHttpClient.layerUndici))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options,
): Stream.Stream<SourceRow.SourceRow, SourceRow.SourceError, HttpClient.HttpClient> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const first = yield* Effect.try({
        try: () => new URL(options.url),
        catch: () =>
          new SourceRow.SourceError({ source: options.name ?? "http", message: `not a URL: ${options.url}` }),
      })
      const source = options.name ?? `${first.origin}${first.pathname}`
      const client = yield* HttpClient.HttpClient
      const itemsPath = JsonPath.segments(options.items)
      const pagination = options.pagination
      const maxAttempts = options.maxAttempts ?? 5
      const baseDelay = Duration.toMillis(Duration.decode(options.retryBaseDelay ?? "200 millis"))
      const maxDelay = Duration.toMillis(Duration.decode(options.retryMaxDelay ?? "30 seconds"))
      const timeout = Duration.decode(options.timeout ?? "30 seconds")
      const sourceError = (message: string, cause?: unknown) =>
        new SourceRow.SourceError({ source, message, cause })

      const authorize = (request: HttpClientRequest.HttpClientRequest) => {
        const auth = options.auth
        if (auth === undefined) return request
        return auth._tag === "Bearer"
          ? HttpClientRequest.bearerToken(request, auth.token)
          : HttpClientRequest.setHeader(request, auth.name, Redacted.value(auth.value))
      }
      const base = (url: URL) =>
        authorize(
          HttpClientRequest.get(url).pipe(
            HttpClientRequest.acceptJson,
            HttpClientRequest.setHeaders(options.headers ?? {}),
          ),
        )

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

      const attempt = (url: URL, page: number): Effect.Effect<Page, Failure> =>
        client.execute(base(url)).pipe(
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

      const fetchPage = (url: URL, page: number, tried = 1): Effect.Effect<Page, SourceRow.SourceError> =>
        Effect.catchAll(attempt(url, page), (failure) => {
          if (!failure.retryable || tried >= maxAttempts) {
            const after = failure.retryable ? ` (after ${tried} attempts)` : ""
            return Effect.fail(sourceError(`${failure.message}${after}`, failure.cause))
          }
          return Effect.flatMap(Random.next, (random) => {
            const backoff = Math.min(maxDelay, baseDelay * 2 ** (tried - 1)) * (0.5 + random / 2)
            const wait = Math.max(backoff, (failure.retryAfterSeconds ?? 0) * 1000)
            return Effect.zipRight(Effect.sleep(Duration.millis(wait)), fetchPage(url, page, tried + 1))
          })
        })

      const withParams = (url: URL, params: Record<string, string>) => {
        const next = new URL(url)
        for (const [name, value] of Object.entries(params)) next.searchParams.set(name, value)
        return next
      }

      const start: State = {
        page: 1,
        offset: 0,
        url:
          pagination._tag === "PageNumber"
            ? withParams(first, {
                [pagination.param]: String(pagination.first),
                ...(pagination.sizeParam !== undefined && pagination.size !== undefined
                  ? { [pagination.sizeParam]: String(pagination.size) }
                  : {}),
              })
            : pagination._tag === "OffsetLimit"
              ? withParams(first, {
                  [pagination.offsetParam]: "0",
                  [pagination.limitParam]: String(pagination.limit),
                })
              : first,
      }

      const next = (
        state: State,
        page: Page,
        count: number,
      ): Effect.Effect<Option.Option<State>, SourceRow.SourceError> => {
        const following = (url: URL, offset = state.offset): Option.Option<State> =>
          Option.some({ page: state.page + 1, offset, url })
        switch (pagination._tag) {
          case "PageNumber":
            if (count === 0 || (pagination.size !== undefined && count < pagination.size))
              return Effect.succeed(Option.none())
            return Effect.succeed(
              following(withParams(state.url, { [pagination.param]: String(pagination.first + state.page) })),
            )
          case "OffsetLimit": {
            if (count < pagination.limit) return Effect.succeed(Option.none())
            const offset = state.offset + count
            return Effect.succeed(
              following(withParams(state.url, { [pagination.offsetParam]: String(offset) }), offset),
            )
          }
          case "Cursor": {
            const value = JsonPath.get(page.body, pagination.cursorPath)
            if (value === undefined || value === null || value === "") return Effect.succeed(Option.none())
            if (typeof value !== "string" && typeof value !== "number")
              return Effect.fail(
                sourceError(
                  `page ${state.page}: the cursor at ${JsonPath.show(pagination.cursorPath)} is not a string or number`,
                ),
              )
            const url = withParams(state.url, { [pagination.param]: String(value) })
            if (url.href === state.url.href)
              return Effect.fail(
                sourceError(`page ${state.page}: the API gave the same cursor again (${String(value)})`),
              )
            return Effect.succeed(following(url))
          }
          case "LinkHeader": {
            const url = nextLink(page.link, state.url)
            if (url === undefined) return Effect.succeed(Option.none())
            if (url.href === state.url.href)
              return Effect.fail(sourceError(`page ${state.page}: the next link points to the same page`))
            return Effect.succeed(following(url))
          }
        }
      }

      const rows = (state: State, page: Page) => {
        const items = JsonPath.get(page.body, itemsPath)
        if (!Array.isArray(items))
          return Effect.fail(sourceError(`page ${state.page}: ${JsonPath.show(itemsPath)} is not an array`))
        const chunk: Array<SourceRow.SourceRow> = new Array(items.length)
        for (let i = 0; i < items.length; i++) {
          const item: unknown = items[i]
          const position = `page ${state.page} #${i + 1}`
          chunk[i] =
            typeof item === "object" && item !== null && !Array.isArray(item)
              ? SourceRow.make({ position, fields: item as Record<string, unknown> })
              : SourceRow.malformed(position, "the item is not a JSON object")
        }
        return Effect.succeed(chunk)
      }

      return Stream.paginateChunkEffect(start, (state) =>
        Effect.gen(function* () {
          const page = yield* fetchPage(state.url, state.page)
          const chunk = yield* rows(state, page)
          const following = yield* next(state, page, chunk.length)
          return [Chunk.unsafeFromArray(chunk), following] as const
        }),
      )
    }),
  )
