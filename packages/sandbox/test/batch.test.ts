import { Fixtures, Sandbox } from "@brainsync/sandbox"
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import { accepted, client, start } from "./support.js"

const listId = Fixtures.DEFAULT_LIST_ID

describe("POST /contacts/batch statuses", () => {
  it.scopedLive("202 with the seed's body, then the batch is applied", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      const reply = yield* sandbox.client.post({
        listId,
        createUpdateContacts: [{ email: "ann@example.com", emailOptIn: true }],
      })
      const body = accepted(reply)
      expect(body.status).toBe("Success")
      expect(body.data.processed).toBe("1")
      expect(body.data.invalidPropertiesList).toEqual([])
      expect(body.data.invalidContactIdList).toEqual([])
      yield* sandbox.awaitIdle
      const batch = yield* sandbox.batch(body.data.batchId)
      expect(batch?.state).toBe("applied")
      expect(batch?.report?.inserted.count).toBe(1)
      const contacts = yield* sandbox.contacts()
      expect(contacts).toMatchObject([{ email: "ann@example.com", emailOptIn: true, listId }])
    }),
  )

  it.scopedLive("401 without a bearer token or with an unknown one", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      const unknown = yield* sandbox.client.post({ listId }, { authorization: "Bearer wrong" })
      expect(unknown.status).toBe(401)
      expect(unknown.json).toMatchObject({ _tag: "Unauthorized" })
      const missing = yield* sandbox.client.post({ listId }, { authorization: "" })
      expect(missing.status).toBe(401)
    }),
  )

  it.scopedLive("406 when Accept does not allow application/json; Accept */* and application/json pass", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      const body = { listId, createUpdateContacts: [{ email: "a@example.com" }] }
      const refused = yield* sandbox.client.post(body, { accept: "text/html" })
      expect(refused.status).toBe(406)
      expect(refused.json).toMatchObject({ _tag: "NotAcceptable" })
      expect((yield* sandbox.client.post(body, { accept: "application/json;q=0, text/plain" })).status).toBe(
        406,
      )
      expect((yield* sandbox.client.post(body, { accept: "*/*" })).status).toBe(202)
      expect(
        (yield* sandbox.client.post(
          { ...body, createUpdateContacts: [{ email: "b@example.com" }] },
          { accept: "text/html, application/json;q=0.5" },
        )).status,
      ).toBe(202)
    }),
  )

  it.scopedLive("400 for a body that is not JSON, the wrong content type or too large", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      const notJson = yield* sandbox.client.post("{not json")
      expect(notJson.status).toBe(400)
      expect(notJson.json).toMatchObject({ _tag: "BadRequest" })
      const wrongType = yield* sandbox.client.post(JSON.stringify({ listId }), {
        "content-type": "text/plain",
      })
      expect(wrongType.status).toBe(400)
      expect(wrongType.json).toMatchObject({ message: expect.stringContaining("content type") })
      const huge = JSON.stringify({
        listId,
        createUpdateContacts: [{ email: "a@example.com", note: "x".repeat(6 * 1024 * 1024) }],
      })
      const tooLarge = yield* sandbox.client.post(huge)
      expect(tooLarge.status).toBe(400)
      expect(tooLarge.json).toMatchObject({ message: expect.stringContaining("larger than") })
    }),
  )

  it.scopedLive("400 for a body that does not decode, with the index of each offending contact", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      const missing = yield* sandbox.client.post({ listId })
      expect(missing.status).toBe(400)
      expect(missing.json).toMatchObject({ errors: [{ field: "createUpdateContacts" }] })
      expect((yield* sandbox.client.post({ listId, createUpdateContacts: [] })).status).toBe(400)
      const tooMany = Array.from({ length: 1001 }, (_, i) => ({ email: `c${i}@example.com` }))
      expect((yield* sandbox.client.post({ listId, createUpdateContacts: tooMany })).status).toBe(400)
      const wrong = yield* sandbox.client.post({
        listId: "not-a-uuid",
        createUpdateContacts: [{ email: "ok@example.com" }, { email: 42, mobileNumber: "123" }],
      })
      expect(wrong.status).toBe(400)
      expect(wrong.json).toMatchObject({
        _tag: "BadRequest",
        errors: expect.arrayContaining([
          expect.objectContaining({ field: "listId" }),
          expect.objectContaining({ index: 1, field: "email" }),
          expect.objectContaining({ index: 1, field: "mobileNumber" }),
        ]),
      })
      const unsafe = yield* sandbox.client.post(
        `{"createUpdateContacts":[{"contactId":9007199254740993}],"listId":"${listId}"}`,
      )
      expect(unsafe.status).toBe(400)
      expect(unsafe.json).toMatchObject({ errors: [{ index: 0, field: "contactId" }] })
      expect((yield* sandbox.stats).contacts).toBe(0)
    }),
  )

  it.scopedLive("422 lists every semantic problem and applies nothing", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      const reply = yield* sandbox.client.post({
        createUpdateContacts: [
          { email: "fine@example.com", listId },
          { email: "no-list@example.com" },
          { email: "x@example.com", listId: "00000000-0000-4000-8000-000000000000" },
          { email: "not-an-email", listId },
          { mobileNumber: 5551234, listId },
          { mobileCountryCode: 1, listId },
          { listId, emailOptIn: true },
          {
            email: "long@example.com",
            listId,
            propertyFields: [{ propertyName: "Notes", propertyValue: "x".repeat(4001) }],
          },
        ],
      })
      expect(reply.status).toBe(422)
      expect(reply.json).toMatchObject({
        _tag: "Unprocessable",
        errors: [
          { index: 1, field: "listId" },
          { index: 2, field: "listId" },
          { index: 3, field: "email" },
          { index: 4, field: "mobileCountryCode" },
          { index: 4, message: expect.stringContaining("no identity") },
          { index: 5, field: "mobileNumber" },
          { index: 5 },
          { index: 6 },
          { index: 7, field: "propertyFields.0.propertyValue" },
        ],
      })
      yield* sandbox.awaitIdle
      const stats = yield* sandbox.stats
      expect(stats.contacts).toBe(0)
      expect(stats.batches).toEqual({ queued: 0, applied: 0 })
    }),
  )

  it.scopedLive("409 names each conflicting index and applies nothing", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      const reply = yield* sandbox.client.post({
        listId,
        createUpdateContacts: [
          { email: "Same@Example.com" },
          { contactId: 7 },
          { email: "same@example.com" },
          { contactId: 7 },
          { mobileCountryCode: 44, mobileNumber: 7700900123 },
          { mobileCountryCode: 44, mobileNumber: 7700900123, email: "other@example.com" },
          { mobileCountryCode: 1, mobileNumber: 7700900123 },
        ],
      })
      expect(reply.status).toBe(409)
      expect(reply.json).toMatchObject({
        _tag: "Conflict",
        errors: [
          { index: 2, conflictsWith: 0, field: "email" },
          { index: 3, conflictsWith: 1, field: "contactId" },
          { index: 5, conflictsWith: 4, field: "mobileNumber" },
        ],
      })
      expect((reply.json as { errors: Array<unknown> }).errors).toHaveLength(3)
      yield* sandbox.awaitIdle
      expect((yield* sandbox.stats).batches.applied).toBe(0)
    }),
  )
})

describe("Sandbox.layer", () => {
  // `it.effect` provides TestClock; the sandbox must still apply batches on the wall clock.
  layer(Sandbox.layer({ processingDelay: 20, rateLimit: 0 }))((it) => {
    it.effect("runs as a layer and on the wall clock inside a TestClock test", () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.Sandbox
        const reply = yield* client(sandbox).post({
          listId,
          createUpdateContacts: [{ email: "layer@example.com" }],
        })
        accepted(reply)
        yield* sandbox.awaitIdle
        expect(yield* sandbox.contacts()).toMatchObject([{ email: "layer@example.com" }])
      }),
    )
  })
})
