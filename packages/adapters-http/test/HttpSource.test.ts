/** HttpSource against a paginated API served on 127.0.0.1, one test per pagination style. */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Redacted, Stream } from "effect"
import { HttpSource } from "../src/index.js"
import * as PagedApi from "./fixtures/PagedApi.js"

const collect = (options: HttpSource.Options) =>
  HttpSource.make(options).pipe(
    Stream.runCollect,
    Effect.map(Chunk.toArray),
    Effect.provide(NodeHttpClient.layerUndici),
  )

const chunkSizes = (options: HttpSource.Options) =>
  HttpSource.make(options).pipe(
    Stream.chunks,
    Stream.map((chunk) => chunk.length),
    Stream.runCollect,
    Effect.map(Chunk.toArray),
    Effect.provide(NodeHttpClient.layerUndici),
  )

const expectAllItems = (rows: ReadonlyArray<{ readonly fields: unknown }>) =>
  expect(rows.map((row) => row.fields)).toEqual(PagedApi.items)

describe("HttpSource", () => {
  it.scopedLive("follows page numbers until a short page, one chunk per page", () =>
    Effect.gen(function* () {
      const api = yield* PagedApi.make
      const options: HttpSource.Options = {
        url: `${api.url}/pages?filter=active`,
        items: "data.items",
        pagination: HttpSource.pageNumber({ sizeParam: "per_page", size: 5 }),
      }
      const rows = yield* collect(options)
      expectAllItems(rows)
      expect(rows[17]?.position).toBe("page 4 #3")
      expect(api.seen.map((s) => s.query.get("page"))).toEqual(["1", "2", "3", "4", "5"])
      expect(
        api.seen.every((s) => s.query.get("filter") === "active" && s.query.get("per_page") === "5"),
      ).toBe(true)
      expect(yield* chunkSizes(options)).toEqual([5, 5, 5, 5, 3])
    }),
  )

  it.scopedLive("follows page numbers without a size until an empty page", () =>
    Effect.gen(function* () {
      const api = yield* PagedApi.make
      const rows = yield* collect({
        url: `${api.url}/pages`,
        items: ["data", "items"],
        pagination: HttpSource.pageNumber(),
      })
      expectAllItems(rows)
      expect(api.seen.map((s) => s.query.get("page"))).toEqual(["1", "2", "3", "4", "5", "6"])
    }),
  )

  it.scopedLive("follows offset and limit until a short page", () =>
    Effect.gen(function* () {
      const api = yield* PagedApi.make
      const rows = yield* collect({
        url: `${api.url}/offset`,
        items: "results",
        pagination: HttpSource.offsetLimit({ limit: 10 }),
      })
      expectAllItems(rows)
      expect(api.seen.map((s) => s.query.get("offset"))).toEqual(["0", "10", "20"])
      expect(rows[22]?.position).toBe("page 3 #3")
    }),
  )

  it.scopedLive("follows a cursor in the body until there is none", () =>
    Effect.gen(function* () {
      const api = yield* PagedApi.make
      const rows = yield* collect({
        url: `${api.url}/cursor`,
        items: "items",
        pagination: HttpSource.cursor({ cursorPath: "meta.next", param: "after" }),
      })
      expectAllItems(rows)
      expect(api.seen.map((s) => s.query.get("after"))).toEqual([null, "10", "20"])
    }),
  )

  it.scopedLive("follows Link rel=next headers", () =>
    Effect.gen(function* () {
      const api = yield* PagedApi.make
      const rows = yield* collect({ url: `${api.url}/link`, pagination: HttpSource.linkHeader })
      expectAllItems(rows)
      expect(api.seen.map((s) => s.query.get("page"))).toEqual([null, "2", "3"])
    }),
  )

  it.scopedLive("sends bearer or custom-header auth on every page", () =>
    Effect.gen(function* () {
      const api = yield* PagedApi.make
      yield* collect({
        url: `${api.url}/link`,
        pagination: HttpSource.linkHeader,
        auth: HttpSource.bearer(Redacted.make("secret-1")),
      })
      expect(api.seen.map((s) => s.headers["authorization"])).toEqual(Array(3).fill("Bearer secret-1"))
      yield* collect({
        url: `${api.url}/cursor`,
        items: "items",
        pagination: HttpSource.cursor({ cursorPath: "meta.next", param: "after" }),
        auth: HttpSource.header("X-Api-Key", Redacted.make("secret-2")),
        headers: { "x-client": "brainsync" },
      })
      const cursorPages = api.seen.slice(3)
      expect(cursorPages.map((s) => s.headers["x-api-key"])).toEqual(Array(3).fill("secret-2"))
      expect(cursorPages.every((s) => s.headers["x-client"] === "brainsync")).toBe(true)
    }),
  )

  it.scopedLive("retries 503 and 429 with backoff, then goes on", () =>
    Effect.gen(function* () {
      const api = yield* PagedApi.make
      const rows = yield* collect({
        url: `${api.url}/flaky?page=1`,
        pagination: HttpSource.pageNumber({ size: 10 }),
        retryBaseDelay: "5 millis",
      })
      expectAllItems(rows)
      // Three answers per page: 503, 429, then the items.
      expect(api.seen.map((s) => s.query.get("page"))).toEqual(["1", "1", "1", "2", "2", "2", "3", "3", "3"])
    }),
  )

  it.scopedLive("gives up after maxAttempts on a page that keeps failing", () =>
    Effect.gen(function* () {
      const api = yield* PagedApi.make
      const error = yield* Effect.flip(
        collect({
          url: `${api.url}/broken`,
          pagination: HttpSource.linkHeader,
          maxAttempts: 3,
          retryBaseDelay: "1 millis",
        }),
      )
      expect(error).toMatchObject({ _tag: "SourceError", message: "page 1: HTTP 500 (after 3 attempts)" })
      expect(api.seen.length).toBe(3)
    }),
  )

  it.scopedLive("does not retry what retrying cannot fix, and keeps the secret out of the error", () =>
    Effect.gen(function* () {
      const api = yield* PagedApi.make
      const error = yield* Effect.flip(
        collect({
          url: `${api.url}/unauthorized`,
          pagination: HttpSource.linkHeader,
          auth: HttpSource.bearer(Redacted.make("secret-3")),
        }),
      )
      expect(error).toMatchObject({ _tag: "SourceError", message: "page 1: HTTP 401" })
      expect(api.seen.length).toBe(1)
      expect(JSON.stringify(error) + String(error)).not.toContain("secret-3")
    }),
  )

  it.scopedLive(
    "marks items that are not objects as malformed rows, and a missing items path as an error",
    () =>
      Effect.gen(function* () {
        const api = yield* PagedApi.make
        const rows = yield* collect({
          url: `${api.url}/mixed`,
          items: "rows",
          pagination: HttpSource.linkHeader,
        })
        expect(rows.map((row) => row.malformed)).toEqual([
          undefined,
          "the item is not a JSON object",
          undefined,
        ])
        expect(rows[1]?.position).toBe("page 1 #2")
        const error = yield* Effect.flip(
          collect({ url: `${api.url}/mixed`, items: "data", pagination: HttpSource.linkHeader }),
        )
        expect(error.message).toBe("page 1: data is not an array")
      }),
  )

  it.scopedLive("retries a refused connection, then fails with the source named", () =>
    Effect.gen(function* () {
      const port = yield* Effect.scoped(Effect.map(PagedApi.make, (api) => new URL(api.url).port))
      const error = yield* Effect.flip(
        collect({
          url: `http://127.0.0.1:${port}/pages`,
          pagination: HttpSource.pageNumber(),
          maxAttempts: 2,
          retryBaseDelay: "1 millis",
          name: "customers API",
        }),
      )
      expect(error).toMatchObject({ source: "customers API" })
      expect(error.message).toMatch(/^page 1: ECONNREFUSED .*\(after 2 attempts\)$/)
    }),
  )
})
