/** #17, finding 8: a contactId is a positive int64; `0` and negative ids are refused, never sent. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, JSONSchema, ParseResult, Schema } from "effect"
import { Contact, ContactSink, Mapping, SourceRow, Sync, SyncReport } from "../src/index.js"
import * as RecordingSink from "./fixtures/recordingSink.js"
import { chunked, LIST } from "./fixtures/rows.js"

const mapping = Mapping.make({
  listId: LIST,
  key: "id",
  fields: { contactId: "crm_id", email: "email" },
})
const REASON = "must be a positive whole number (the CRM numbers contacts from 1)"

const mapped = (crmId: unknown) =>
  mapping.map(SourceRow.make({ position: "line 2", fields: { id: "k1", crm_id: crmId } }))

describe("the mapping's contactId", () => {
  it.each([["0"], ["-1"], ["-0"], ["+0"], [" 000 "], ["-9007199254740991"], [0], [-1], [-0], [0n], [-5n]])(
    "refuses %o, naming the field and why",
    (cell) => {
      expect(mapped(cell)).toEqual({
        _tag: "Rejection",
        position: "line 2",
        key: "k1",
        field: "contactId",
        reason: REASON,
      })
    },
  )

  it.each([
    ["1", 1],
    ["+1", 1],
    [" 007 ", 7],
    ["9007199254740991", 9007199254740991],
    [1, 1],
    [42n, 42],
  ] as const)("keeps %o as %d", (cell, id) => {
    expect(mapped(cell)).toMatchObject({ _tag: "Mapped", contact: { contactId: id } })
  })

  it("still names the int64 range and whole numbers first", () => {
    expect(mapped("-9007199254740993")).toMatchObject({ reason: expect.stringContaining("within ±") })
    expect(mapped("-1.5")).toMatchObject({ reason: "must be a whole number" })
  })
})

describe("a sync with contactIds 0 and -1", () => {
  it.effect("rejects those rows by the mapping and sends only the positive ones", () =>
    Effect.gen(function* () {
      const crm = RecordingSink.make()
      const rows = ["5", "0", "-1", "6"].map((crmId, i) =>
        SourceRow.make({
          position: `line ${i + 2}`,
          fields: { id: `k${i}`, crm_id: crmId, email: `c${i}@example.com` },
        }),
      )
      const report = yield* Sync.run({
        name: "ids",
        source: chunked(rows),
        mapping,
        flushAfter: "10 millis",
      }).pipe(Effect.provideService(ContactSink.ContactSink, crm.sink))
      expect(report).toMatchObject({ read: 4, rejected: 2, accepted: 2 })
      expect(SyncReport.isComplete(report)).toBe(true)
      expect(report.rejectedRows).toEqual([
        { position: "line 3", key: "k1", field: "contactId", reason: REASON },
        { position: "line 4", key: "k2", field: "contactId", reason: REASON },
      ])
      expect(crm.contacts().map((contact) => contact.contactId)).toEqual([5, 6])
    }),
  )
})

describe("the contract's schema", () => {
  const decode = Schema.decodeUnknownEither(Contact.Contact, { errors: "all" })
  const issues = (input: unknown) => {
    const result = decode(input)
    return Either.isLeft(result) ? ParseResult.ArrayFormatter.formatErrorSync(result.left) : []
  }

  it.each([0, -1, -9007199254740991])("refuses contactId %d, naming the field", (contactId) => {
    // The first issue is the number's; the others say it is not null or absent either.
    const found = issues({ contactId })
    expect(found[0]).toEqual({
      _tag: "Refinement",
      path: ["contactId"],
      message: "must be a positive integer (the CRM numbers contacts from 1)",
    })
    expect(found.every((issue) => issue.path.join(".") === "contactId")).toBe(true)
  })

  it("takes 1, the largest exact integer and null, and still refuses a rounded one", () => {
    expect(issues({ contactId: 1 })).toEqual([])
    expect(issues({ contactId: Number.MAX_SAFE_INTEGER })).toEqual([])
    expect(issues({ contactId: null })).toEqual([])
    expect(issues({ contactId: 2 ** 53 })[0]?.message).toContain("cannot be carried exactly")
  })

  it("documents a contactId as an int64 of at least 1", () => {
    expect(JSONSchema.make(Contact.ContactId)).toMatchObject({
      $defs: { ContactId: { type: "integer", format: "int64", minimum: 1 } },
    })
  })
})
