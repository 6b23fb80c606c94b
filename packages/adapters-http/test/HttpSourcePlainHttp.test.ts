/**
 * An HTTP source's credentials never go over plain http:// to another machine without consent: the
 * API here listens on this machine's own non-loopback address, which is "another host" by URL.
 */
import { createServer, type Server } from "node:http"
import { networkInterfaces } from "node:os"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Redacted, Stream } from "effect"
import { HttpSource } from "../src/index.js"

const outwardAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address !== undefined && address.family === "IPv4" && !address.internal)?.address

/** One page of two items at `/items`; each request's Authorization header is kept. */
const api = (host: string) =>
  Effect.acquireRelease(
    Effect.async<{
      readonly url: string
      readonly authorizations: Array<string | undefined>
      readonly server: Server
    }>((resume) => {
      const authorizations: Array<string | undefined> = []
      const server: Server = createServer((request, response) => {
        authorizations.push(request.headers.authorization)
        response.setHeader("content-type", "application/json")
        response.end(JSON.stringify([{ id: 1 }, { id: 2 }]))
      })
      server.listen(0, host, () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ url: `http://${host}:${port}/items`, authorizations, server }))
      })
    }),
    ({ server }) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void))),
  )

const rows = (options: HttpSource.Options) =>
  HttpSource.make(options).pipe(
    Stream.runCollect,
    Effect.map(Chunk.size),
    Effect.provide(NodeHttpClient.layerUndici),
  )

const token = Redacted.make("source-secret-token")

describe.skipIf(outwardAddress === undefined)("HttpSource over plain http", () => {
  it.scopedLive("refuses to send a bearer token to a host that is not loopback, before connecting", () =>
    Effect.gen(function* () {
      const served = yield* api(outwardAddress!)
      const error = yield* Effect.flip(
        rows({ url: served.url, pagination: HttpSource.linkHeader, auth: HttpSource.bearer(token) }),
      )
      const message = error.message
      expect(message).toBe(
        `refusing to send the source's credentials over plain http:// to ${outwardAddress}; use https://, or set allowInsecureAuth if the network is trusted`,
      )
      expect(message).not.toContain("source-secret-token")
      expect(served.authorizations).toEqual([])
    }),
  )

  it.scopedLive("refuses a custom secret header the same way", () =>
    Effect.gen(function* () {
      const served = yield* api(outwardAddress!)
      const exit = yield* Effect.exit(
        rows({
          url: served.url,
          pagination: HttpSource.linkHeader,
          auth: HttpSource.header("X-Api-Key", token),
        }),
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(served.authorizations).toEqual([])
    }),
  )

  it("insecureAuth tells the refusal before anything runs", () => {
    const url = `http://${outwardAddress}:8080/items`
    expect(HttpSource.insecureAuth({ url, auth: HttpSource.bearer(token) })).toBe(
      `refusing to send the source's credentials over plain http:// to ${outwardAddress}; use https://, or set allowInsecureAuth if the network is trusted`,
    )
    expect(
      HttpSource.insecureAuth({ url, auth: HttpSource.bearer(token), allowInsecureAuth: true }),
    ).toBeUndefined()
    expect(HttpSource.insecureAuth({ url })).toBeUndefined()
    expect(
      HttpSource.insecureAuth({ url: "https://api.example.com/x", auth: HttpSource.bearer(token) }),
    ).toBeUndefined()
    expect(
      HttpSource.insecureAuth({ url: "http://localhost:9/x", auth: HttpSource.bearer(token) }),
    ).toBeUndefined()
  })

  it.scopedLive("sends it with allowInsecureAuth", () =>
    Effect.gen(function* () {
      const served = yield* api(outwardAddress!)
      const count = yield* rows({
        url: served.url,
        pagination: HttpSource.linkHeader,
        auth: HttpSource.bearer(token),
        allowInsecureAuth: true,
      })
      expect(count).toBe(2)
      expect(served.authorizations).toEqual(["Bearer source-secret-token"])
    }),
  )

  it.scopedLive("connects without credentials, and with them to loopback", () =>
    Effect.gen(function* () {
      const outward = yield* api(outwardAddress!)
      expect(yield* rows({ url: outward.url, pagination: HttpSource.linkHeader })).toBe(2)
      expect(outward.authorizations).toEqual([undefined])
      const local = yield* api("127.0.0.1")
      expect(
        yield* rows({ url: local.url, pagination: HttpSource.linkHeader, auth: HttpSource.bearer(token) }),
      ).toBe(2)
      expect(local.authorizations).toEqual(["Bearer source-secret-token"])
    }),
  )
})
