/**
 * #17, finding 10: a request body is kept within `maxRequestBytes` before it is sent — a batch
 * that would pass it is split, a row whose body alone passes it is rejected, unsent.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { BatchRequest, ContactSink, Mapping, SourceRow, Sync, SyncReport } from "../src/index.js"
import type { Contact } from "../src/index.js"
import * as RequestSize from "../src/internal/requestSize.js"
import * as RecordingSink from "./fixtures/recordingSink.js"
import { chunked, LIST } from "./fixtures/rows.js"

const PROPERTIES = 15
const propertyNames = Array.from({ length: PROPERTIES }, (_, i) => `Note ${i + 1}`)
const mapping = Mapping.make({
  listId: LIST,
  key: "id",
  fields: { email: "email" },
  properties: Object.fromEntries(propertyNames.map((name, i) => [name, `note${i + 1}`])),
})

/** A row whose notes are `length` characters each (4000, the most a property holds: ~60 kB of JSON a row). */
const row = (i: number, length = 4000) =>
  SourceRow.make({
    position: `line ${i + 2}`,
    fields: {
      id: `k${i}`,
      email: `c${i}@example.com`,
      ...Object.fromEntries(
        propertyNames.map((_, p) => [`note${p + 1}`, String.fromCharCode(97 + p).repeat(length)]),
      ),
    },
  })

const syncOf = (
  rows: ReadonlyArray<SourceRow.SourceRow>,
  options: Partial<Sync.Options<never, never>> = {},
) =>
  Effect.gen(function* () {
    const crm = RecordingSink.make()
    const splits: Array<readonly [number, number]> = []
    const report = yield* Sync.run({
      name: "sizes",
      source: chunked(rows),
      mapping,
      flushAfter: "10 millis",
      ...options,
      onEvent: (event) =>
        Effect.sync(() => (event._tag === "BatchSplit" ? splits.push(event.sizes) : undefined)),
    }).pipe(Effect.provideService(ContactSink.ContactSink, crm.sink))
    return { report, crm, splits }
  })

describe("a batch whose body would pass the limit", () => {
  it.effect("is split before it is sent: with the default 4 MiB, 100 rows of ~60 kB go in two requests", () =>
    Effect.gen(function* () {
      const rows = Array.from({ length: 100 }, (_, i) => row(i))
      const { report, crm, splits } = yield* syncOf(rows)
      expect(report).toMatchObject({ read: 100, accepted: 100, rejected: 0, failed: 0, requests: 2 })
      expect(splits).toEqual([[50, 50]])
      expect(crm.requests.map((sent) => sent.request.createUpdateContacts.length)).toEqual([50, 50])
      for (const sent of crm.requests)
        expect(sent.bytes).toBeLessThanOrEqual(BatchRequest.DEFAULT_MAX_REQUEST_BYTES)
      // Without the split the one request would have been ~6 MB, above the sandbox's 5 MiB.
      expect(crm.requests.reduce((sum, sent) => sum + sent.bytes, 0)).toBeGreaterThan(
        BatchRequest.DEFAULT_MAX_REQUEST_BYTES,
      )
      expect(crm.contacts().map((contact) => contact.email)).toEqual(rows.map((r) => r.fields.email))
    }),
  )

  it.effect(
    "is split as often as needed under a smaller maxRequestBytes, in order, every body within it",
    () =>
      Effect.gen(function* () {
        const rows = Array.from({ length: 40 }, (_, i) => row(i, 1000))
        const { report, crm } = yield* syncOf(rows, { maxRequestBytes: 40_000 })
        expect(report).toMatchObject({ read: 40, accepted: 40, rejected: 0 })
        expect(SyncReport.isComplete(report)).toBe(true)
        expect(crm.requests.length).toBeGreaterThan(1)
        for (const sent of crm.requests) expect(sent.bytes).toBeLessThanOrEqual(40_000)
        expect(crm.contacts().map((contact) => contact.email)).toEqual(rows.map((r) => r.fields.email))
      }),
  )

  it.effect("is sent whole when it fits, however close to the limit", () =>
    Effect.gen(function* () {
      const rows = Array.from({ length: 10 }, (_, i) => row(i, 1000))
      const probe = yield* syncOf(rows)
      const bytes = probe.crm.requests[0]!.bytes
      const { report, crm } = yield* syncOf(rows, { maxRequestBytes: bytes })
      expect(report).toMatchObject({ accepted: 10, requests: 1, splits: 0 })
      expect(crm.requests[0]!.bytes).toBe(bytes)
      const over = yield* syncOf(rows, { maxRequestBytes: bytes - 1 })
      expect(over.report).toMatchObject({ accepted: 10, requests: 2, splits: 1 })
    }),
  )
})

describe("a row whose body alone would pass the limit", () => {
  it.effect("is rejected with the sizes, never sent, and the rows around it are", () =>
    Effect.gen(function* () {
      const rows = [row(0, 10), row(1, 4000), row(2, 10)]
      const { report, crm } = yield* syncOf(rows, { maxRequestBytes: 20_000 })
      expect(report).toMatchObject({ read: 3, accepted: 2, rejected: 1, requests: 1 })
      expect(SyncReport.isComplete(report)).toBe(true)
      const alone = RequestSize.jsonBytes({ createUpdateContacts: [crmContact(rows[1]!)], listId: LIST })
      expect(report.rejectedRows).toEqual([
        {
          position: "line 3",
          key: "k1",
          field: "contact",
          reason:
            `its request body alone would be ${alone} bytes, above the limit of 20000 (maxRequestBytes), ` +
            "so it was not sent; shorten or drop some of its properties",
        },
      ])
      expect(crm.contacts().map((contact) => contact.email)).toEqual(["c0@example.com", "c2@example.com"])
    }),
  )
})

/** The contact the mapping makes of a row. */
const crmContact = (source: SourceRow.SourceRow): Contact.Contact => {
  const result = mapping.map(source)
  if (result._tag !== "Mapped") throw new Error(result.reason)
  return result.contact
}

describe("maxRequestBytes", () => {
  it("must be a whole number of at least 1", () => {
    for (const maxRequestBytes of [0, -1, 1.5])
      expect(Sync.problems({ name: "s", mapping, maxRequestBytes })).toEqual([
        `maxRequestBytes must be a whole number of at least 1, not ${maxRequestBytes}`,
      ])
    expect(Sync.problems({ name: "s", mapping, maxRequestBytes: 1 })).toEqual([])
  })
})

describe("the measure", () => {
  // Any UTF-16 units (lone surrogates and controls included, which JSON escapes to 6 bytes), and whole code points.
  const text = fc.oneof(
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)) }),
    fc.string({ unit: "binary" }),
  )
  const nullable = <A>(arbitrary: fc.Arbitrary<A>) => fc.option(arbitrary, { nil: null })
  const contact: fc.Arbitrary<Contact.Contact> = fc.record(
    {
      listId: nullable(text),
      contactId: nullable(fc.double()),
      mobileCountryCode: nullable(fc.double()),
      mobileNumber: nullable(fc.double()),
      mobileOptIn: nullable(fc.boolean()),
      email: nullable(text),
      emailOptIn: nullable(fc.boolean()),
      propertyFields: nullable(
        fc.array(
          fc.record(
            { propertyId: nullable(text), propertyName: nullable(text), propertyValue: nullable(text) },
            { requiredKeys: [] },
          ),
        ),
      ),
    },
    { requiredKeys: [] },
  )

  it("bounds a contact's JSON bytes from above, whatever it holds", () => {
    fc.assert(
      fc.property(contact, (c) => {
        expect(RequestSize.bound(c)).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(c), "utf8"))
      }),
      { numRuns: 2000, seed: 17 },
    )
  })

  it("counts a JSON text's UTF-8 bytes as Node encodes them", () => {
    fc.assert(
      fc.property(text, (s) => {
        const json = JSON.stringify(s)
        expect(RequestSize.utf8Bytes(json)).toBe(Buffer.byteLength(json, "utf8"))
      }),
      { numRuns: 2000, seed: 17 },
    )
  })

  it("says a body fits exactly when its JSON is within the limit", () => {
    fc.assert(
      fc.property(fc.array(contact, { maxLength: 5 }), fc.nat(3000), (contacts, limit) => {
        const envelope = { createUpdateContacts: [] as Array<Contact.Contact>, listId: LIST }
        const bytes = Buffer.byteLength(
          JSON.stringify({ ...envelope, createUpdateContacts: contacts }),
          "utf8",
        )
        expect(RequestSize.fits(RequestSize.jsonBytes(envelope), contacts, limit)).toBe(bytes <= limit)
      }),
      { numRuns: 2000, seed: 17 },
    )
  })
})
