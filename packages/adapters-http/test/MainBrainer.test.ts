/**
 * The sink against a real HTTP server on 127.0.0.1 that answers each documented status, an
 * undocumented one, a broken body, a dropped connection and silence.
 */
import { ContactSink } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  ConfigProvider,
  Context,
  Effect,
  Either,
  Exit,
  Inspectable,
  Layer,
  Logger,
  Redacted,
} from "effect"
import { MainBrainer } from "../src/index.js"
import * as Server from "./fixtures/ScriptedServer.js"

const TOKEN = "sk-live-7f3a9c1e5b2d48a6"
const batch = {
  listId: null,
  createUpdateContacts: [{ email: "ada@example.com" }, { email: "bob@example.com" }],
}
const accepted = {
  status: "Success",
  message: "queued",
  data: {
    batchId: "b-1",
    processed: "2",
    status: 0,
    message: "queued",
    invalidPropertiesList: [],
    invalidContactIdList: [],
    balance: {},
  },
}

const answers: Record<string, Server.Answer> = {
  ok: Server.json(202, accepted),
  unprocessable: Server.json(422, {
    _tag: "Unprocessable",
    message: "invalid contacts",
    errors: [{ index: 1, field: "email", message: "not an email" }],
  }),
  conflict: Server.json(409, {
    message: "same contact twice",
    errors: [{ index: 1, conflictsWith: 0, field: "email", message: "same email as contact 0" }],
  }),
  badRequest: Server.json(400, { message: "bad", errors: [{ message: "not JSON" }] }),
  unauthorized: Server.text(401, "<html>who are you</html>"),
  notAcceptable: Server.json(406, { message: "json only" }),
  rateLimitedSeconds: Server.json(
    429,
    { message: "slow down", retryAfterSeconds: 9 },
    { "retry-after": "7" },
  ),
  rateLimitedBody: Server.json(429, { message: "slow down", retryAfterSeconds: 9 }),
  serverError: Server.json(500, { message: "boom" }),
  serverErrorHtml: Server.text(500, "<html>nginx</html>"),
  badGateway: Server.text(502, "<html>bad gateway</html>"),
  unavailable: Server.text(503, "<html>unavailable</html>"),
  acceptedButNotJson: Server.text(202, "queued!"),
  dropped: Server.dropResponse,
  silent: Server.silence,
}

const sinkAt = (baseUrl: string, options: Partial<MainBrainer.Options> = {}) =>
  Effect.map(
    Layer.build(MainBrainer.layer({ baseUrl, token: Redacted.make(TOKEN), ...options })),
    Context.get(ContactSink.ContactSink),
  )

const failureOf = (scenario: string, options: Partial<MainBrainer.Options> = {}) =>
  Effect.gen(function* () {
    const server = yield* Server.make(answers)
    const sink = yield* sinkAt(`${server.url}/${scenario}`, options)
    return yield* Effect.flip(sink.upsert(batch))
  })

/** Every way an error can be shown or stored: none may reveal the token. */
const expectNoToken = (error: unknown) => {
  const shown = [
    String(error),
    JSON.stringify(error),
    Inspectable.format(error),
    Cause.pretty(Cause.fail(error)),
    error instanceof Error ? (error.stack ?? "") : "",
  ].join("\n")
  expect(shown).not.toContain(TOKEN)
}

describe("MainBrainer sink", () => {
  it.scopedLive("posts the batch with the bearer token and JSON headers, and decodes the 202", () =>
    Effect.gen(function* () {
      const server = yield* Server.make(answers)
      const sink = yield* sinkAt(`${server.url}/ok`)
      const result = yield* sink.upsert(batch)
      expect(result.data.batchId).toBe("b-1")
      const [received] = server.received
      expect(received?.method).toBe("POST")
      expect(received?.headers.authorization).toBe(`Bearer ${TOKEN}`)
      expect(received?.headers.accept).toBe("application/json")
      expect(received?.headers["content-type"]).toContain("application/json")
      expect(JSON.parse(received?.body ?? "")).toEqual(batch)
    }),
  )

  // undici frees a connection just after the body is read, so back-to-back requests may take two.
  it.scopedLive("reuses pooled connections for consecutive requests", () =>
    Effect.gen(function* () {
      const server = yield* Server.make(answers)
      const sink = yield* sinkAt(`${server.url}/ok`)
      yield* Effect.repeatN(sink.upsert(batch), 9)
      expect(server.received.length).toBe(10)
      expect(new Set(server.received.map((r) => r.socket)).size).toBeLessThanOrEqual(2)
    }),
  )

  it.scopedLive("maps 422 and 409 to typed errors that keep the contacts' indices", () =>
    Effect.gen(function* () {
      const unprocessable = yield* failureOf("unprocessable")
      expect(unprocessable._tag).toBe("Unprocessable")
      expect(unprocessable._tag === "Unprocessable" && unprocessable.errors).toEqual([
        { index: 1, field: "email", message: "not an email" },
      ])
      const conflict = yield* failureOf("conflict")
      expect(conflict._tag === "Conflict" && conflict.errors[0]).toEqual({
        index: 1,
        conflictsWith: 0,
        field: "email",
        message: "same email as contact 0",
      })
      const badRequest = yield* failureOf("badRequest")
      expect(badRequest._tag === "BadRequest" && badRequest.errors).toEqual([{ message: "not JSON" }])
    }),
  )

  it.scopedLive("maps 401, 406 and 500 by status, even when a proxy sent the body", () =>
    Effect.gen(function* () {
      expect((yield* failureOf("unauthorized"))._tag).toBe("Unauthorized")
      expect((yield* failureOf("notAcceptable"))._tag).toBe("NotAcceptable")
      const serverError = yield* failureOf("serverError")
      expect(serverError).toMatchObject({ _tag: "ServerError", message: "boom" })
    }),
  )

  it.scopedLive("reads Retry-After from the header first, then from the body", () =>
    Effect.gen(function* () {
      expect(yield* failureOf("rateLimitedSeconds")).toMatchObject({
        _tag: "RateLimited",
        retryAfterSeconds: 7,
      })
      expect(yield* failureOf("rateLimitedBody")).toMatchObject({ _tag: "RateLimited", retryAfterSeconds: 9 })
    }),
  )

  it.scopedLive(
    "turns undocumented statuses and bodies into TransportError, saying whether the batch may be applied",
    () =>
      Effect.gen(function* () {
        expect(yield* failureOf("badGateway")).toMatchObject({
          _tag: "TransportError",
          reason: "UnexpectedResponse",
          status: 502,
          maybeApplied: true,
        })
        expect(yield* failureOf("unavailable")).toMatchObject({
          _tag: "TransportError",
          status: 503,
          maybeApplied: false,
        })
        expect(yield* failureOf("serverErrorHtml")).toMatchObject({
          _tag: "TransportError",
          status: 500,
          maybeApplied: false,
        })
        expect(yield* failureOf("acceptedButNotJson")).toMatchObject({
          _tag: "TransportError",
          status: 202,
          maybeApplied: true,
        })
      }),
  )

  it.scopedLive("reports a response lost after the request was read as maybe applied", () =>
    Effect.gen(function* () {
      expect(yield* failureOf("dropped")).toMatchObject({
        _tag: "TransportError",
        reason: "ResponseLost",
        maybeApplied: true,
      })
    }),
  )

  it.scopedLive("warns how many contacts of a lost batch a resend could duplicate", () =>
    Effect.gen(function* () {
      const server = yield* Server.make(answers)
      const sink = yield* sinkAt(`${server.url}/dropped`)
      const logged: Array<string> = []
      const logger = Logger.make(({ message }) => logged.push(String(message)))
      const mixed = {
        createUpdateContacts: [
          { email: "ada@example.com" },
          { propertyFields: [{ propertyName: "Company", propertyValue: "Acme" }] },
          { mobileCountryCode: 44, mobileNumber: 7911123456 },
          { contactId: 12 },
        ],
      }
      const error = yield* Effect.flip(sink.upsert(mixed)).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      )
      expect(error).toMatchObject({ _tag: "TransportError", maybeApplied: true })
      expect(error.message).toContain("1 of its contacts have no contactId, email or mobile")
      expect(logged.filter((line) => line.includes("1 of its contacts"))).toHaveLength(1)
      const identified = yield* Effect.flip(sink.upsert(batch))
      expect(identified.message).not.toContain("duplicates")
    }),
  )

  it.scopedLive("reports a timeout as maybe applied", () =>
    Effect.gen(function* () {
      expect(yield* failureOf("silent", { timeout: "300 millis" })).toMatchObject({
        _tag: "TransportError",
        reason: "Timeout",
        maybeApplied: true,
      })
    }),
  )

  it.scopedLive("reports a refused connection as not applied", () =>
    Effect.gen(function* () {
      const port = yield* Effect.scoped(Effect.map(Server.make({}), (server) => server.port))
      const sink = yield* sinkAt(`http://127.0.0.1:${port}`)
      expect(yield* Effect.flip(sink.upsert(batch))).toMatchObject({
        _tag: "TransportError",
        reason: "ConnectionFailed",
        maybeApplied: false,
      })
    }),
  )

  it.scopedLive("never shows the token in any error", () =>
    Effect.gen(function* () {
      for (const scenario of Object.keys(answers).filter((name) => name !== "ok" && name !== "silent")) {
        expectNoToken(yield* failureOf(scenario))
      }
      expectNoToken(yield* failureOf("silent", { timeout: "100 millis" }))
    }),
  )

  it.scopedLive("refuses to send the token over plain http to a host that is not loopback", () =>
    Effect.gen(function* () {
      const refused = yield* Effect.exit(sinkAt("http://crm.example.com/api"))
      expect(Exit.isFailure(refused) && Cause.squash(refused.cause)).toMatchObject({
        _tag: "SinkConfigError",
        reason: "InsecureToken",
      })
      expectNoToken(Exit.isFailure(refused) ? Cause.squash(refused.cause) : undefined)
      for (const allowed of ["https://crm.example.com/api", "http://localhost:8080", "http://[::1]:8080"]) {
        expect(Exit.isSuccess(yield* Effect.exit(sinkAt(allowed)))).toBe(true)
      }
      const allowedExplicitly = yield* Effect.either(
        sinkAt("http://crm.internal/api", { allowInsecureToken: true }),
      )
      expect(Either.isRight(allowedExplicitly)).toBe(true)
    }),
  )

  it.scopedLive(
    "layerConfig reads MAINBRAINER_BASE_URL and MAINBRAINER_TOKEN, and refuses an insecure URL",
    () =>
      Effect.gen(function* () {
        const server = yield* Server.make(answers)
        const fromEnv = (env: Record<string, string>) =>
          Layer.build(MainBrainer.layerConfig()).pipe(
            Effect.map(Context.get(ContactSink.ContactSink)),
            Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
          )
        const sink = yield* fromEnv({ MAINBRAINER_BASE_URL: `${server.url}/ok`, MAINBRAINER_TOKEN: TOKEN })
        yield* sink.upsert(batch)
        expect(server.received[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`)
        const insecure = yield* Effect.flip(
          fromEnv({ MAINBRAINER_BASE_URL: "http://crm.example.com", MAINBRAINER_TOKEN: TOKEN }),
        )
        expect(insecure).toMatchObject({ _tag: "SinkConfigError", reason: "InsecureToken" })
        const missing = yield* Effect.flip(fromEnv({ MAINBRAINER_BASE_URL: `${server.url}/ok` }))
        expect(missing._tag).toBe("ConfigError")
        expectNoToken(insecure)
      }),
  )
})
