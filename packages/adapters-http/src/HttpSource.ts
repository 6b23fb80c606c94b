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
import { HttpClient } from "@effect/platform"
import { Backoff, SourceRow } from "@brainsync/core"
import { Chunk, Duration, Effect, Either, type Redacted, Stream } from "effect"
import * as JsonPath from "./internal/jsonPath.js"
import * as PageRequest from "./internal/pageRequest.js"
import * as Paginators from "./internal/paginators.js"
import * as PlainHttp from "./internal/plainHttp.js"

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
  /**
   * Send `auth` over plain `http://` to a host that is not loopback (default false: such a source
   * fails before connecting, as the CRM sink does for its token).
   */
  readonly allowInsecureAuth?: boolean | undefined
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

/**
 * Why `options` would send its credentials unencrypted to another machine (plain `http://` to a
 * host that is not loopback, without `allowInsecureAuth`), in one line; `undefined` when it would
 * not. `make` fails with it before connecting; a caller can ask first, to refuse the configuration.
 *
 * @since 0.1.0
 * @category utils
 */
export const insecureAuth = (
  options: Pick<Options, "url" | "auth" | "allowInsecureAuth">,
  url?: URL,
): string | undefined => {
  if (options.auth === undefined || options.allowInsecureAuth === true) return undefined
  let target = url
  try {
    target ??= new URL(options.url)
  } catch {
    return undefined
  }
  return PlainHttp.exposesSecret(target)
    ? PlainHttp.refusal("the source's credentials", target, "allowInsecureAuth")
    : undefined
}

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
      const sourceError = (message: string, cause?: unknown) =>
        new SourceRow.SourceError({ source, message, cause })
      const itemsPath = JsonPath.segments(options.items)
      const paginator = Paginators.of(options.pagination)
      const policy = Backoff.make(
        {
          maxAttempts: options.maxAttempts,
          baseDelay: options.retryBaseDelay,
          maxDelay: options.retryMaxDelay,
        },
        { baseDelay: "200 millis" },
      )
      const fetchOnce = PageRequest.make(
        yield* HttpClient.HttpClient,
        options,
        Duration.decode(options.timeout ?? "30 seconds"),
      )

      // Checked on every page: a next-page link may lead to another host than the first page's.
      const refusedUrl = (url: URL) =>
        options.auth !== undefined && options.allowInsecureAuth !== true && PlainHttp.exposesSecret(url)
          ? Effect.fail(sourceError(PlainHttp.refusal("the source's credentials", url, "allowInsecureAuth")))
          : Effect.void

      const fetchPage = (at: Paginators.Position) =>
        Backoff.retry(fetchOnce(at.url, at.page), {
          policy,
          while: (failure) => failure.retryable,
          atLeast: (failure) => (failure.retryAfterSeconds ?? 0) * 1000,
        }).pipe(
          Effect.mapError(({ error, attempts }) =>
            sourceError(
              `${error.message}${error.retryable ? ` (after ${attempts} attempts)` : ""}`,
              error.cause,
            ),
          ),
        )

      const rows = (at: Paginators.Position, page: Paginators.Page) => {
        const items = JsonPath.get(page.body, itemsPath)
        if (!Array.isArray(items))
          return Effect.fail(sourceError(`page ${at.page}: ${JsonPath.show(itemsPath)} is not an array`))
        const chunk: Array<SourceRow.SourceRow> = new Array(items.length)
        for (let i = 0; i < items.length; i++) {
          const item: unknown = items[i]
          const position = `page ${at.page} #${i + 1}`
          chunk[i] =
            typeof item === "object" && item !== null && !Array.isArray(item)
              ? SourceRow.make({ position, fields: item as Record<string, unknown> })
              : SourceRow.malformed(position, "the item is not a JSON object")
        }
        return Effect.succeed(chunk)
      }

      const start: Paginators.Position = { page: 1, offset: 0, url: paginator.first(first) }
      return Stream.paginateChunkEffect(start, (at) =>
        Effect.gen(function* () {
          yield* refusedUrl(at.url)
          const page = yield* fetchPage(at)
          const chunk = yield* rows(at, page)
          const next = yield* Either.mapLeft(paginator.next(at, page, chunk.length), (message) =>
            sourceError(message),
          )
          return [Chunk.unsafeFromArray(chunk), next] as const
        }),
      )
    }),
  )
