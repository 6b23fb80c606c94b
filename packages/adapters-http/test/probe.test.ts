/** `MainBrainer.probe` over real HTTP: what it finds about the token and the list, and that it changes nothing. */
import { ContactSink } from "@brainsync/core"
import { Sandbox } from "@brainsync/sandbox"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Redacted } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { MainBrainer } from "../src/index.js"

const UNKNOWN_LIST = "0b4f2c8e-5d7a-4e1b-9c3f-6a2d8e7b1c40"

/** A sandbox holding one contact, and a snapshot of what it stores. */
const sandboxWithContact = (options: Sandbox.Options = {}) =>
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.make({ processingDelay: 0, rateLimit: 0, ...options })
    const sink = Context.get(
      yield* Layer.build(MainBrainer.layer({ baseUrl: sandbox.url, token: sandbox.token })),
      ContactSink.ContactSink,
    )
    yield* sink.upsert({ listId: sandbox.listId, createUpdateContacts: [{ email: "ada@example.com" }] })
    yield* sandbox.awaitIdle
    const snapshot = Effect.gen(function* () {
      yield* sandbox.awaitIdle
      const stats = yield* sandbox.stats
      return { contacts: yield* sandbox.contacts(), stored: stats.contacts, batches: stats.batches }
    })
    return { sandbox, before: yield* snapshot, snapshot }
  })

const probe = (options: MainBrainer.ProbeOptions) =>
  MainBrainer.probe(options).pipe(Effect.provide(NodeHttpClient.layerUndici))

describe("MainBrainer.probe", () => {
  it.scopedLive("a good token and a known list pass, and the CRM's contacts and batches are unchanged", () =>
    Effect.gen(function* () {
      const { sandbox, before, snapshot } = yield* sandboxWithContact()
      const requestsBefore = (yield* sandbox.stats).requests.byStatus
      yield* probe({ baseUrl: sandbox.url, token: sandbox.token, listId: sandbox.listId })
      expect(yield* snapshot).toEqual(before)
      expect(before.stored).toBe(1)
      // Two requests reached the CRM, and it refused both: the empty batch and the one without identity.
      const requests = (yield* sandbox.stats).requests.byStatus
      expect(requests["400"]).toBe((requestsBefore["400"] ?? 0) + 1)
      expect(requests["422"]).toBe((requestsBefore["422"] ?? 0) + 1)
    }),
  )

  it.scopedLive("a token the CRM does not know is TokenRefused, and nothing changed", () =>
    Effect.gen(function* () {
      const { sandbox, before, snapshot } = yield* sandboxWithContact()
      const error = yield* Effect.flip(
        probe({ baseUrl: sandbox.url, token: Redacted.make("not-the-token"), listId: sandbox.listId }),
      )
      expect(error._tag).toBe("TokenRefused")
      expect(error.message).toContain("401")
      expect(error.message).not.toContain("not-the-token")
      expect(yield* snapshot).toEqual(before)
      expect((yield* sandbox.stats).requests.byStatus["422"]).toBeUndefined()
    }),
  )

  it.scopedLive("a list the CRM does not have is UnknownList, naming it, and nothing changed", () =>
    Effect.gen(function* () {
      const { sandbox, before, snapshot } = yield* sandboxWithContact()
      const error = yield* Effect.flip(
        probe({ baseUrl: sandbox.url, token: sandbox.token, listId: UNKNOWN_LIST }),
      )
      expect(error).toMatchObject({ _tag: "UnknownList", listId: UNKNOWN_LIST })
      expect(error.message).toContain(`does not know the list ${UNKNOWN_LIST}`)
      expect(yield* snapshot).toEqual(before)
    }),
  )

  it.scopedLive("without a list only the token is checked: one request, refused as empty", () =>
    Effect.gen(function* () {
      const { sandbox, before, snapshot } = yield* sandboxWithContact()
      const total = (yield* sandbox.stats).requests.total
      yield* probe({ baseUrl: sandbox.url, token: sandbox.token })
      expect((yield* sandbox.stats).requests.total).toBe(total + 1)
      expect(yield* snapshot).toEqual(before)
    }),
  )

  it.scopedLive("a 429 is waited out (its Retry-After) and the probe goes on", () =>
    Effect.gen(function* () {
      const { sandbox, before, snapshot } = yield* sandboxWithContact({ rateLimit: 1 })
      yield* probe({ baseUrl: sandbox.url, token: sandbox.token, listId: sandbox.listId })
      expect((yield* sandbox.stats).requests.byStatus["429"]).toBeGreaterThanOrEqual(1)
      expect(yield* snapshot).toEqual(before)
    }),
  )

  it.scopedLive("a wrong base URL (the sandbox answers 404) is an UnexpectedAnswer, not a good token", () =>
    Effect.gen(function* () {
      const { sandbox } = yield* sandboxWithContact()
      const error = yield* Effect.flip(
        probe({ baseUrl: `${sandbox.url}/v9`, token: sandbox.token, listId: sandbox.listId }),
      )
      expect(error).toMatchObject({ _tag: "UnexpectedAnswer", status: 404 })
    }),
  )

  it.scopedLive("a CRM that nothing listens for is CrmUnreachable after a few attempts", () =>
    Effect.gen(function* () {
      const port = yield* freePort
      const error = yield* Effect.flip(
        probe({ baseUrl: `http://127.0.0.1:${port}`, token: Redacted.make("t"), listId: UNKNOWN_LIST }),
      )
      expect(error._tag).toBe("CrmUnreachable")
      expect(error.message).toMatch(/after 3 attempts: could not connect to the CRM \(ECONNREFUSED/)
    }),
  )

  it.scopedLive("a server that accepts a contact with no identity is not taken for a good list", () =>
    Effect.gen(function* () {
      const bodies: Array<unknown> = []
      const url = yield* server((body) => {
        bodies.push(body)
        return (body as { createUpdateContacts: Array<unknown> }).createUpdateContacts.length === 0
          ? { status: 400, json: { message: "no contacts", errors: [] } }
          : { status: 202, json: accepted }
      })
      const error = yield* Effect.flip(
        probe({ baseUrl: url, token: Redacted.make("t"), listId: UNKNOWN_LIST }),
      )
      expect(error).toMatchObject({ _tag: "UnexpectedAnswer", status: 202 })
      expect(bodies).toEqual([
        { listId: UNKNOWN_LIST, createUpdateContacts: [] },
        { listId: UNKNOWN_LIST, createUpdateContacts: [{}] },
      ])
    }),
  )

  it.effect("the token is not sent over plain http to another machine: nothing is sent", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        probe({ baseUrl: "http://crm.example.com", token: Redacted.make("t"), listId: UNKNOWN_LIST }),
      )
      expect(error).toMatchObject({ _tag: "SinkConfigError", reason: "InsecureToken" })
    }),
  )
})

const accepted = {
  status: "Success",
  message: "queued",
  data: {
    batchId: "b1",
    processed: "1",
    contactId: null,
    status: 0,
    message: "queued",
    invalidPropertiesList: [],
    invalidContactIdList: [],
    balance: {},
  },
}

/** A loopback HTTP server answering each JSON body with `answer(body)`, closed with the scope. */
const server = (answer: (body: unknown) => { readonly status: number; readonly json: unknown }) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly close: () => void }>((resume) => {
      const http = createServer((request, response) => {
        let text = ""
        request.on("data", (piece) => (text += String(piece)))
        request.on("end", () => {
          const { status, json } = answer(JSON.parse(text))
          response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json))
        })
      })
      http.listen(0, "127.0.0.1", () =>
        resume(
          Effect.succeed({
            url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
            close: () => http.close(),
          }),
        ),
      )
    }),
    ({ close }) => Effect.sync(close),
  ).pipe(Effect.map(({ url }) => url))

/** A loopback port that nothing listens on (it was free a moment ago). */
const freePort = Effect.async<number>((resume) => {
  const probe = createServer()
  probe.listen(0, "127.0.0.1", () => {
    const { port } = probe.address() as AddressInfo
    probe.close(() => resume(Effect.succeed(port)))
  })
})
