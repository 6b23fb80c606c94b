import { BatchReport } from "@brainsync/core"
import { Fixtures } from "@brainsync/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { receiver } from "./receiver.js"
import { accepted, start } from "./support.js"

const listId = Fixtures.DEFAULT_LIST_ID
const otherList = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
const fixtures: Fixtures.Fixtures = {
  lists: [{ listId }, { listId: otherList, name: "Other" }],
  properties: Fixtures.defaults.properties,
}

describe("matching and application", () => {
  it.scopedLive(
    "inserts, then updates by contactId, by email (any case) and by mobile; unknown ids are skipped",
    () =>
      Effect.gen(function* () {
        const hook = yield* receiver()
        const sandbox = yield* start({ fixtures })
        const first = accepted(
          yield* sandbox.client.post({
            listId,
            webHookUrl: hook.url,
            createUpdateContacts: [
              {
                email: "ann@example.com",
                emailOptIn: true,
                propertyFields: [{ propertyName: "First Name", propertyValue: "Ann" }],
              },
              { mobileCountryCode: 44, mobileNumber: 7700900123, mobileOptIn: false },
              {
                email: "bob@example.com",
                propertyFields: [{ propertyId: Fixtures.FIRST_NAME_PROPERTY_ID, propertyValue: "Bob" }],
              },
            ],
          }),
        )
        yield* sandbox.awaitIdle
        const [ann, mobile, bob] = yield* sandbox.contacts()
        expect(Number(ann!.contactId)).toBeGreaterThanOrEqual(2 ** 32)
        expect(yield* sandbox.batch(first.data.batchId)).toMatchObject({
          report: { inserted: { count: 3, contactIds: [ann!.contactId, mobile!.contactId, bob!.contactId] } },
        })

        const second = accepted(
          yield* sandbox.client.post({
            listId,
            webHookUrl: hook.url,
            createUpdateContacts: [
              { contactId: Number(bob!.contactId), emailOptIn: false },
              {
                email: "ANN@Example.com",
                mobileOptIn: true,
                propertyFields: [{ propertyName: "city", propertyValue: "Leeds" }],
              },
              { mobileCountryCode: 44, mobileNumber: 7700900123, email: "m@example.com" },
              { contactId: 123, email: "ghost@example.com" },
              { email: "ann@example.com", listId: otherList },
            ],
          }),
        )
        expect(second.data.invalidContactIdList).toEqual(["123"])
        yield* sandbox.awaitIdle
        const reports = hook.bodies.map((body) => Schema.decodeUnknownSync(BatchReport.BatchReport)(body))
        const report = reports.find((r) => r.batchId === second.data.batchId)
        expect(report).toMatchObject({
          batchId: second.data.batchId,
          listId,
          updated: { count: 3, contactIds: [bob!.contactId, ann!.contactId, mobile!.contactId] },
          skipped: { count: 1, contactIds: ["123"] },
          inserted: { count: 1 },
          results: [
            { index: 0, contactId: bob!.contactId, outcome: "updated" },
            { index: 1, contactId: ann!.contactId, outcome: "updated" },
            { index: 2, contactId: mobile!.contactId, outcome: "updated" },
            { index: 3, contactId: "123", outcome: "skipped" },
            { index: 4, outcome: "inserted" },
          ],
        })

        const byId = new Map((yield* sandbox.contacts()).map((c) => [c.contactId, c]))
        // Partial updates: only present, non-null fields and given properties change.
        expect(byId.get(ann!.contactId)).toMatchObject({
          email: "ANN@Example.com", // matched case-insensitively; a given email is stored as given
          emailOptIn: true,
          mobileOptIn: true,
          properties: expect.arrayContaining([
            { propertyId: Fixtures.FIRST_NAME_PROPERTY_ID, propertyName: "First Name", propertyValue: "Ann" },
            expect.objectContaining({ propertyName: "City", propertyValue: "Leeds" }),
          ]),
        })
        expect(byId.get(bob!.contactId)).toMatchObject({
          email: "bob@example.com",
          emailOptIn: false,
          properties: [{ propertyName: "First Name", propertyValue: "Bob" }],
        })
        expect(byId.get(mobile!.contactId)).toMatchObject({
          email: "m@example.com",
          mobileCountryCode: 44,
          mobileNumber: 7700900123,
          mobileOptIn: false,
        })
        expect([...byId.values()].filter((c) => c.listId === otherList)).toMatchObject([
          { email: "ann@example.com" },
        ])
        expect(byId.size).toBe(4)
      }),
  )

  it.scopedLive("null fields leave stored values as they were", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      accepted(
        yield* sandbox.client.post({
          listId,
          createUpdateContacts: [{ email: "n@example.com", emailOptIn: true }],
        }),
      )
      yield* sandbox.awaitIdle
      const [stored] = yield* sandbox.contacts()
      accepted(
        yield* sandbox.client.post({
          listId,
          createUpdateContacts: [
            {
              contactId: Number(stored!.contactId),
              email: null,
              emailOptIn: null,
              mobileOptIn: true,
              propertyFields: null,
            },
          ],
        }),
      )
      yield* sandbox.awaitIdle
      expect(yield* sandbox.contacts()).toMatchObject([
        { email: "n@example.com", emailOptIn: true, mobileOptIn: true },
      ])
    }),
  )

  it.scopedLive(
    "property fields unknown to the catalogue are listed as invalid and ignored; the contact is applied",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* start()
        const body = accepted(
          yield* sandbox.client.post({
            listId,
            createUpdateContacts: [
              {
                email: "p@example.com",
                propertyFields: [
                  { propertyName: "Company", propertyValue: "Acme" },
                  { propertyName: "Shoe Size", propertyValue: "44" },
                  { propertyId: "11111111-2222-4333-8444-555555555555", propertyValue: "x" },
                  { propertyName: "notes", propertyValue: "case-insensitive name" },
                ],
              },
            ],
          }),
        )
        expect(body.data.invalidPropertiesList).toEqual([
          { propertyName: "Shoe Size", propertyValue: "44" },
          { propertyId: "11111111-2222-4333-8444-555555555555", propertyValue: "x" },
        ])
        yield* sandbox.awaitIdle
        const [contact] = yield* sandbox.contacts()
        expect(contact!.properties.map((p) => [p.propertyName, p.propertyValue])).toEqual([
          ["Company", "Acme"],
          ["Notes", "case-insensitive name"],
        ])
      }),
  )

  it.scopedLive("batches are applied in acceptance order after the processing delay", () =>
    Effect.gen(function* () {
      const sandbox = yield* start({ processingDelay: 100 })
      accepted(
        yield* sandbox.client.post({
          listId,
          createUpdateContacts: [
            { email: "o@example.com", propertyFields: [{ propertyName: "City", propertyValue: "first" }] },
          ],
        }),
      )
      accepted(
        yield* sandbox.client.post({
          listId,
          createUpdateContacts: [
            { email: "o@example.com", propertyFields: [{ propertyName: "City", propertyValue: "second" }] },
          ],
        }),
      )
      expect((yield* sandbox.stats).batches.queued).toBe(2)
      yield* sandbox.awaitIdle
      expect(yield* sandbox.contacts()).toMatchObject([{ properties: [{ propertyValue: "second" }] }])
    }),
  )

  it.scopedLive("the inspection endpoints: paginated contacts, batch state, stats, reset, health", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      const body = accepted(
        yield* sandbox.client.post({
          listId,
          createUpdateContacts: Array.from({ length: 5 }, (_, i) => ({ email: `c${i}@example.com` })),
        }),
      )
      yield* sandbox.awaitIdle
      const page1 = yield* sandbox.client.get(`/sandbox/contacts?listId=${listId}&limit=3`)
      expect(page1.status).toBe(200)
      const first = page1.json as { contacts: Array<{ email: string }>; nextCursor: string }
      expect(first.contacts.map((c) => c.email)).toEqual([
        "c0@example.com",
        "c1@example.com",
        "c2@example.com",
      ])
      const page2 = (yield* sandbox.client.get(`/sandbox/contacts?limit=3&cursor=${first.nextCursor}`)).json
      expect(page2).toMatchObject({
        contacts: [{ email: "c3@example.com" }, { email: "c4@example.com" }],
        nextCursor: null,
      })
      expect((yield* sandbox.client.get("/sandbox/contacts?limit=0")).status).toBe(400)
      expect((yield* sandbox.client.get("/sandbox/contacts?listId=&limit=10")).json).toMatchObject({
        nextCursor: null,
      })
      expect(
        ((yield* sandbox.client.get("/sandbox/contacts?listId=")).json as { contacts: Array<unknown> })
          .contacts,
      ).toHaveLength(5)

      const batch = yield* sandbox.client.get(`/sandbox/batches/${body.data.batchId}`)
      expect(batch.json).toMatchObject({ state: "applied", contacts: 5, report: { inserted: { count: 5 } } })
      expect((yield* sandbox.client.get("/sandbox/batches/nope")).status).toBe(404)

      expect((yield* sandbox.client.get("/sandbox/stats")).json).toMatchObject({
        requests: { byStatus: { "202": 1 }, total: 1, peakPerSecond: 1 },
        contacts: 5,
        batches: { queued: 0, applied: 1 },
      })
      expect((yield* sandbox.client.get("/health")).json).toEqual({ status: "ok" })
      expect((yield* sandbox.client.postPath("/sandbox/reset")).status).toBe(204)
      expect(yield* sandbox.stats).toMatchObject({
        contacts: 0,
        batches: { applied: 0 },
        requests: { total: 0 },
      })
    }),
  )
})
