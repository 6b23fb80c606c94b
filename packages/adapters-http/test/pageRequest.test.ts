/** One page's request alone, against a real HTTP server: what it sends, and how each answer reads. */
import { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Redacted } from "effect"
import { HttpSource } from "../src/index.js"
import * as PageRequest from "../src/internal/pageRequest.js"
import * as Server from "./fixtures/ScriptedServer.js"

const answers: Record<string, Server.Answer> = {
  ok: Server.json(200, { items: [1, 2] }, { link: '</ok?page=2>; rel="next"' }),
  limited: Server.json(429, { message: "slow down" }, { "retry-after": "7" }),
  unavailable: Server.text(503, "<html>busy</html>"),
  unauthorized: Server.json(401, { message: "who are you" }),
  notJson: Server.text(200, "<html>not json</html>"),
  dropped: Server.dropResponse,
  silent: Server.silence,
}

/** The server, and a one-attempt page fetch against it with `options`. */
const setup = (
  options: Pick<HttpSource.Options, "auth" | "headers"> = {},
  timeout: Duration.DurationInput = "5 seconds",
) =>
  Effect.gen(function* () {
    const server = yield* Server.make(answers)
    const client = yield* HttpClient.HttpClient
    const fetch = PageRequest.make(client, options, Duration.decode(timeout))
    return {
      server,
      fetch: (scenario: string, page = 1) => fetch(new URL(`${server.url}/${scenario}`), page),
    }
  })

describe("a page's request", () => {
  it.scopedLive("GETs JSON with the source's headers and credentials, and reads the body and Link", () =>
    Effect.gen(function* () {
      const { server, fetch } = yield* setup({
        auth: HttpSource.header("X-Api-Key", Redacted.make("key-1")),
        headers: { "x-client": "brainsync" },
      })
      expect(yield* fetch("ok")).toEqual({ body: { items: [1, 2] }, link: '</ok?page=2>; rel="next"' })
      const [received] = server.received
      expect(received).toMatchObject({ method: "GET", scenario: "ok" })
      expect(received?.headers).toMatchObject({
        accept: "application/json",
        "x-api-key": "key-1",
        "x-client": "brainsync",
      })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scopedLive("a 429 or a 5xx may be retried, with the Retry-After it gave; a 401 may not", () =>
    Effect.gen(function* () {
      const { fetch } = yield* setup({ auth: HttpSource.bearer(Redacted.make("secret")) })
      expect(yield* Effect.flip(fetch("limited", 3))).toEqual({
        message: "page 3: HTTP 429",
        retryable: true,
        retryAfterSeconds: 7,
      })
      expect(yield* Effect.flip(fetch("unavailable"))).toMatchObject({
        message: "page 1: HTTP 503",
        retryable: true,
      })
      expect(yield* Effect.flip(fetch("unauthorized"))).toMatchObject({
        message: "page 1: HTTP 401",
        retryable: false,
      })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )

  it.scopedLive("a body that is not JSON may not be retried; a lost answer or silence may", () =>
    Effect.gen(function* () {
      const { fetch } = yield* setup({}, "300 millis")
      expect(yield* Effect.flip(fetch("notJson"))).toEqual({
        message: "page 1: the body is not JSON",
        retryable: false,
      })
      expect(yield* Effect.flip(fetch("dropped"))).toMatchObject({ retryable: true })
      expect(yield* Effect.flip(fetch("silent", 2))).toEqual({
        message: "page 2: no answer within 300ms",
        retryable: true,
      })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)),
  )
})
