/** The contact store alone, on an in-memory database: the matching rule, merging, paging, chunked statements. */
import type { BatchRequest, Contact } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Fixtures } from "../src/index.js"
import * as ContactStore from "../src/internal/contactStore.js"
import * as Validate from "../src/internal/validate.js"
import { memoryDb } from "./support.js"

const listId = Fixtures.DEFAULT_LIST_ID
const otherList = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
const catalogue = Validate.catalogue({
  lists: [{ listId }, { listId: otherList }],
  properties: Fixtures.defaults.properties,
})
const FIRST_ID = 2 ** 32

const request = (...contacts: ReadonlyArray<Contact.Contact>): BatchRequest.BatchRequest => ({
  listId,
  createUpdateContacts: contacts,
})

const withStore = <A, E>(f: (store: ContactStore.ContactStore) => Effect.Effect<A, E>) =>
  Effect.flatMap(ContactStore.make(catalogue), f).pipe(Effect.provide(memoryDb))

describe("contactStore", () => {
  it.effect(
    "inserts new contacts with ids from 2^32, in order, and reads them back with property names",
    () =>
      withStore((store) =>
        Effect.gen(function* () {
          const report = yield* store.apply(
            request(
              {
                email: "Ann@Example.com",
                propertyFields: [{ propertyName: "first name", propertyValue: "Ann" }],
              },
              { mobileCountryCode: 44, mobileNumber: 7700900123, mobileOptIn: true },
            ),
            "b1",
            "2024-01-01T00:00:00.000Z",
          )
          expect(report).toEqual({
            batchId: "b1",
            listId,
            inserted: { count: 2, contactIds: [String(FIRST_ID), String(FIRST_ID + 1)] },
            updated: { count: 0, contactIds: [] },
            skipped: { count: 0, contactIds: [] },
            results: [
              { index: 0, contactId: String(FIRST_ID), outcome: "inserted" },
              { index: 1, contactId: String(FIRST_ID + 1), outcome: "inserted" },
            ],
          })
          expect(yield* store.page({ limit: 10 })).toEqual([
            {
              contactId: String(FIRST_ID),
              listId,
              email: "Ann@Example.com",
              mobileCountryCode: null,
              mobileNumber: null,
              mobileOptIn: null,
              emailOptIn: null,
              properties: [
                {
                  propertyId: Fixtures.FIRST_NAME_PROPERTY_ID,
                  propertyName: "First Name",
                  propertyValue: "Ann",
                },
              ],
              createdAt: "2024-01-01T00:00:00.000Z",
              updatedAt: "2024-01-01T00:00:00.000Z",
            },
            expect.objectContaining({
              contactId: String(FIRST_ID + 1),
              mobileNumber: 7700900123,
              mobileOptIn: true,
            }),
          ])
          expect(yield* store.count).toBe(2)
        }),
      ),
  )

  it.effect(
    "matches by contactId, else by email (any case, same list), else by mobile; unknown ids are skipped",
    () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.apply(
            request(
              { email: "ann@example.com" },
              { mobileCountryCode: 44, mobileNumber: 7700900123 },
              { email: "cy@example.com" },
            ),
            "b1",
            "t1",
          )
          const report = yield* store.apply(
            request(
              { contactId: FIRST_ID + 2, emailOptIn: true },
              { email: "ANN@example.COM", mobileOptIn: false },
              { mobileCountryCode: 44, mobileNumber: 7700900123, email: "new@example.com" },
              { contactId: 42 },
              { email: "ann@example.com", listId: otherList },
            ),
            "b2",
            "t2",
          )
          expect(report.results).toEqual([
            { index: 0, contactId: String(FIRST_ID + 2), outcome: "updated" },
            { index: 1, contactId: String(FIRST_ID), outcome: "updated" },
            { index: 2, contactId: String(FIRST_ID + 1), outcome: "updated" },
            { index: 3, contactId: "42", outcome: "skipped", reason: "no contact has this contactId" },
            { index: 4, contactId: String(FIRST_ID + 3), outcome: "inserted" },
          ])
          expect(report.skipped).toEqual({ count: 1, contactIds: ["42"] })
          const [ann, mobile, cy, other] = yield* store.page({ limit: 10 })
          // Only present values change; createdAt stays.
          expect(ann).toMatchObject({
            email: "ANN@example.COM",
            emailOptIn: null,
            mobileOptIn: false,
            createdAt: "t1",
            updatedAt: "t2",
          })
          expect(mobile).toMatchObject({ email: "new@example.com", mobileNumber: 7700900123 })
          expect(cy).toMatchObject({ email: "cy@example.com", emailOptIn: true })
          expect(other).toMatchObject({ listId: otherList, email: "ann@example.com" })
        }),
      ),
  )

  it.effect("where two contacts share an email, the lowest contactId is the one updated", () =>
    withStore((store) =>
      Effect.gen(function* () {
        yield* store.apply(request({ email: "a@example.com" }, { email: "b@example.com" }), "b1", "t1")
        yield* store.apply(request({ contactId: FIRST_ID + 1, email: "a@example.com" }), "b2", "t2")
        const report = yield* store.apply(request({ email: "A@example.com", emailOptIn: true }), "b3", "t3")
        expect(report.updated.contactIds).toEqual([String(FIRST_ID)])
      }),
    ),
  )

  it.effect("a mobile matches only a contact that neither its contactId nor its email matched", () =>
    withStore((store) =>
      Effect.gen(function* () {
        yield* store.apply(
          request({ email: "a@example.com" }, { mobileCountryCode: 44, mobileNumber: 7700900001 }),
          "b1",
          "t1",
        )
        const report = yield* store.apply(
          request({ email: "a@example.com", mobileCountryCode: 44, mobileNumber: 7700900001 }),
          "b2",
          "t2",
        )
        expect(report.results).toEqual([{ index: 0, contactId: String(FIRST_ID), outcome: "updated" }])
      }),
    ),
  )

  it.effect("properties merge by id; unknown properties are ignored", () =>
    withStore((store) =>
      Effect.gen(function* () {
        yield* store.apply(
          request({
            email: "a@example.com",
            propertyFields: [{ propertyName: "City", propertyValue: "Leeds" }],
          }),
          "b1",
          "t1",
        )
        yield* store.apply(
          request({
            email: "a@example.com",
            propertyFields: [
              { propertyName: "First Name", propertyValue: "Ann" },
              { propertyName: "no such property", propertyValue: "x" },
            ],
          }),
          "b2",
          "t2",
        )
        const [contact] = yield* store.page({ limit: 10 })
        expect(contact?.properties.map((p) => [p.propertyName, p.propertyValue])).toEqual([
          ["City", "Leeds"],
          ["First Name", "Ann"],
        ])
      }),
    ),
  )

  it.effect(
    "a thousand contacts (exact multiples of both chunk sizes) are written, then all found again",
    () =>
      withStore((store) =>
        Effect.gen(function* () {
          const emails = Array.from({ length: 1000 }, (_, i) => ({ email: `c${i}@example.com` }))
          const first = yield* store.apply(request(...emails), "b1", "t1")
          expect(first.inserted.count).toBe(1000)
          const second = yield* store.apply(request(...emails), "b2", "t2")
          expect(second.updated.count).toBe(1000)
          expect(second.updated.contactIds).toEqual(first.inserted.contactIds)
          expect(yield* store.count).toBe(1000)
          const empty = yield* store.apply(request(), "b3", "t3")
          expect(empty.results).toEqual([])
        }),
      ),
  )

  it.effect(
    "a batch applies in order over its own results: a key a contact no longer has reaches it no more",
    () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.apply(request({ email: "ann@example.com" }), "b1", "t1")
          const report = yield* store.apply(
            request(
              // Ann moves to a new address; the old one then belongs to no contact...
              { contactId: FIRST_ID, email: "ann@work.example.com" },
              { email: "ann@example.com", mobileCountryCode: 44, mobileNumber: 7700900123 },
              // ...and the new one reaches Ann as the first left her.
              { email: "ANN@work.example.com", emailOptIn: true },
            ),
            "b2",
            "t2",
          )
          expect(report.results).toEqual([
            { index: 0, contactId: String(FIRST_ID), outcome: "updated" },
            { index: 1, contactId: String(FIRST_ID + 1), outcome: "inserted" },
            { index: 2, contactId: String(FIRST_ID), outcome: "updated" },
          ])
          expect(yield* store.page({ limit: 10 })).toMatchObject([
            {
              contactId: String(FIRST_ID),
              email: "ANN@work.example.com",
              emailOptIn: true,
              mobileNumber: null,
            },
            { contactId: String(FIRST_ID + 1), email: "ann@example.com", mobileNumber: 7700900123 },
          ])
        }),
      ),
  )

  it.effect("a contact whose email an earlier contact of the batch took away is matched by its mobile", () =>
    withStore((store) =>
      Effect.gen(function* () {
        yield* store.apply(
          request({ email: "ann@example.com" }, { mobileCountryCode: 44, mobileNumber: 7700900123 }),
          "b1",
          "t1",
        )
        const report = yield* store.apply(
          request(
            { contactId: FIRST_ID, email: "ann@work.example.com" },
            // When the batch was read, this email was Ann's; by its turn, only the mobile reaches a contact.
            { email: "ann@example.com", mobileCountryCode: 44, mobileNumber: 7700900123, emailOptIn: true },
          ),
          "b2",
          "t2",
        )
        expect(report.results).toEqual([
          { index: 0, contactId: String(FIRST_ID), outcome: "updated" },
          { index: 1, contactId: String(FIRST_ID + 1), outcome: "updated" },
        ])
        expect(yield* store.page({ limit: 10 })).toMatchObject([
          { email: "ann@work.example.com" },
          { email: "ann@example.com", mobileNumber: 7700900123, emailOptIn: true },
        ])
      }),
    ),
  )

  it.effect("matchStored: the stored contact each contact reaches and by which key, across chunks", () =>
    withStore((store) =>
      Effect.gen(function* () {
        yield* store.apply(
          request(
            { email: "a@example.com" },
            { email: "b@example.com", mobileCountryCode: 44, mobileNumber: 7700900123 },
          ),
          "b1",
          "t1",
        )
        const asked = [...Array.from({ length: 1199 }, (_, i) => i + 1), FIRST_ID + 1, FIRST_ID, 7]
        const matches = yield* store.matchStored(
          request(
            ...asked.map((contactId) => ({ contactId })),
            { email: "A@example.com" },
            { email: "new@example.com", mobileCountryCode: 44, mobileNumber: 7700900123 },
            { email: "new@example.com" },
          ),
        )
        expect(matches).toEqual([
          ...Array.from({ length: 1199 }, () => undefined),
          { contactId: FIRST_ID + 1, by: "contactId" },
          { contactId: FIRST_ID, by: "contactId" },
          undefined,
          { contactId: FIRST_ID, by: "email" },
          { contactId: FIRST_ID + 1, by: "mobileNumber" },
          undefined,
        ])
        expect(yield* store.matchStored(request())).toEqual([])
      }),
    ),
  )

  it.effect(
    "pages go in contactId order after the cursor, of one list (any case) or all; reset empties",
    () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.apply(
            request(
              { email: "a@example.com" },
              { email: "b@example.com", listId: otherList },
              { email: "c@example.com" },
            ),
            "b1",
            "t1",
          )
          const emails = (contacts: ReadonlyArray<ContactStore.StoredContact>) => contacts.map((c) => c.email)
          expect(emails(yield* store.page({ limit: 2 }))).toEqual(["a@example.com", "b@example.com"])
          expect(emails(yield* store.page({ limit: 2, cursor: FIRST_ID + 1 }))).toEqual(["c@example.com"])
          expect(emails(yield* store.page({ limit: 10, listId: listId.toUpperCase() }))).toEqual([
            "a@example.com",
            "c@example.com",
          ])
          yield* store.reset
          expect(yield* store.count).toBe(0)
          expect(yield* store.page({ limit: 10 })).toEqual([])
        }),
      ),
  )
})
