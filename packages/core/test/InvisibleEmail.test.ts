/**
 * #17, finding 10: an email holding a character a reader cannot see (a zero-width space, a
 * direction mark or override) is not a valid email; the reason names the character and where.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { ContactSink, Mapping, SourceRow, Sync, SyncReport } from "../src/index.js"
import * as RecordingSink from "./fixtures/recordingSink.js"
import { chunked, LIST } from "./fixtures/rows.js"

const mapping = Mapping.make({ listId: LIST, key: "id", fields: { email: "email" } })

const emailOf = (email: unknown) => {
  const result = mapping.map(SourceRow.make({ position: "line 2", fields: { id: "k1", email } }))
  return result._tag === "Mapped"
    ? { email: result.contact.email }
    : { field: result.field, reason: result.reason }
}

describe("an email with an invisible or direction-control character", () => {
  it.each([
    ["ada\u200B@example.com", "an invisible character (U+200B ZERO WIDTH SPACE) at position 4"],
    ["ad\u200Ca@example.com", "an invisible character (U+200C ZERO WIDTH NON-JOINER) at position 3"],
    ["ada\u200D@example.com", "an invisible character (U+200D ZERO WIDTH JOINER) at position 4"],
    ["ada@exa\u00ADmple.com", "an invisible character (U+00AD SOFT HYPHEN) at position 8"],
    ["ada@example.com\u2060", "an invisible character (U+2060 WORD JOINER) at position 16"],
    ["ada\uFEFF@example.com", "an invisible character (U+FEFF ZERO WIDTH NO-BREAK SPACE) at position 4"],
    ["\u200Eada@example.com", "a direction-control character (U+200E LEFT-TO-RIGHT MARK) at position 1"],
    ["ada@\u200Fexample.com", "a direction-control character (U+200F RIGHT-TO-LEFT MARK) at position 5"],
    [
      "ada@example\u202Amoc.com",
      "a direction-control character (U+202A LEFT-TO-RIGHT EMBEDDING) at position 12",
    ],
    [
      "ada@example\u202Bmoc.com",
      "a direction-control character (U+202B RIGHT-TO-LEFT EMBEDDING) at position 12",
    ],
    [
      "ada@example\u202Cmoc.com",
      "a direction-control character (U+202C POP DIRECTIONAL FORMATTING) at position 12",
    ],
    [
      "ada@example\u202Dmoc.com",
      "a direction-control character (U+202D LEFT-TO-RIGHT OVERRIDE) at position 12",
    ],
    [
      "ada@evil\u202Emoc.example.com",
      "a direction-control character (U+202E RIGHT-TO-LEFT OVERRIDE) at position 9",
    ],
    ["ada\u2066@example.com", "a direction-control character (U+2066 LEFT-TO-RIGHT ISOLATE) at position 4"],
    ["ada\u2067@example.com", "a direction-control character (U+2067 RIGHT-TO-LEFT ISOLATE) at position 4"],
    ["ada\u2068@example.com", "a direction-control character (U+2068 FIRST STRONG ISOLATE) at position 4"],
    ["ada\u2069@example.com", "a direction-control character (U+2069 POP DIRECTIONAL ISOLATE) at position 4"],
    ["ada\u061C@example.com", "a direction-control character (U+061C ARABIC LETTER MARK) at position 4"],
    ["ad\u3164a@example.com", "an invisible character (U+3164 HANGUL FILLER) at position 3"],
    ["ada\uFE0F@example.com", "an invisible character (U+FE0F VARIATION SELECTOR-16) at position 4"],
    // A Cf character without a kept name is still refused, by its code point.
    ["ada\u{E0041}@example.com", "an invisible character (U+E0041) at position 4"],
    ["a\u0000da@example.com", "a control character (U+0000 NULL) at position 2"],
    ["a\u0007da@example.com", "a control character (U+0007) at position 2"],
    // Positions count characters, not UTF-16 units: the emoji before it is one character.
    ["😀\u200B@example.com", "an invisible character (U+200B ZERO WIDTH SPACE) at position 2"],
  ])("refuses %j, naming the character and where", (email, named) => {
    expect(emailOf(email)).toEqual({ field: "email", reason: `contains ${named}` })
  })

  it("counts positions in the email as read, after the cell's surrounding spaces", () => {
    expect(emailOf("  ada\u200B@example.com ")).toEqual({
      field: "email",
      reason: "contains an invisible character (U+200B ZERO WIDTH SPACE) at position 4",
    })
  })

  it("keeps emails without one, including letters of other scripts", () => {
    for (const email of [
      "ada@example.com",
      "ÅSA.öberg@exämple.se",
      "用户@例子.广告",
      "δοκιμή@παράδειγμα.δοκιμή",
    ])
      expect(emailOf(email)).toEqual({ email })
    expect(emailOf("ada at example.com")).toEqual({ field: "email", reason: "is not an email address" })
  })
})

describe("a sync with such emails", () => {
  it.effect("rejects those rows by the mapping and sends only the clean ones", () =>
    Effect.gen(function* () {
      const crm = RecordingSink.make()
      const emails = [
        "ada@example.com",
        "bob\u200B@example.com",
        "carol@evil\u202Emoc.example.com",
        "dan@example.com",
      ]
      const rows = emails.map((email, i) =>
        SourceRow.make({ position: `line ${i + 2}`, fields: { id: `k${i}`, email } }),
      )
      const report = yield* Sync.run({
        name: "emails",
        source: chunked(rows),
        mapping,
        flushAfter: "10 millis",
      }).pipe(Effect.provideService(ContactSink.ContactSink, crm.sink))
      expect(report).toMatchObject({ read: 4, rejected: 2, accepted: 2 })
      expect(SyncReport.isComplete(report)).toBe(true)
      expect(report.rejectedRows).toEqual([
        {
          position: "line 3",
          key: "k1",
          field: "email",
          reason: "contains an invisible character (U+200B ZERO WIDTH SPACE) at position 4",
        },
        {
          position: "line 4",
          key: "k2",
          field: "email",
          reason: "contains a direction-control character (U+202E RIGHT-TO-LEFT OVERRIDE) at position 11",
        },
      ])
      expect(crm.contacts().map((contact) => contact.email)).toEqual(["ada@example.com", "dan@example.com"])
    }),
  )
})
