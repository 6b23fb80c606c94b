/** The matching rule alone, over rows held in memory: latest versions, the lowest contactId, keys lost. */
import { describe, expect, it } from "@effect/vitest"
import { Fixtures } from "../src/index.js"
import { type ContactRow, ContactIndex, match } from "../src/internal/contactIndex.js"

const listId = Fixtures.DEFAULT_LIST_ID

const row = (id: number, fields: Partial<ContactRow> = {}): ContactRow => ({
  id,
  list_id: listId,
  email: null,
  email_lower: null,
  mobile_country_code: null,
  mobile_number: null,
  mobile_opt_in: null,
  email_opt_in: null,
  properties: "{}",
  created_at: "t0",
  updated_at: "t0",
  ...fields,
})
const withEmail = (id: number, email: string, fields: Partial<ContactRow> = {}) =>
  row(id, { email, email_lower: email.toLowerCase(), ...fields })

describe("contactIndex", () => {
  it("a contactId reaches that contact; an email any case, in its list; then a mobile", () => {
    const index = new ContactIndex()
    index.add(withEmail(2, "Ann@example.com"))
    index.add(row(3, { mobile_country_code: 44, mobile_number: 7700900123 }))
    index.loadedMobiles.add(7700900123)
    expect(match(index, { contactId: 2 }, listId)).toMatchObject({ row: { id: 2 }, by: "contactId" })
    expect(match(index, { contactId: 9 }, listId)).toBeUndefined()
    expect(match(index, { email: "ANN@example.com" }, listId)).toMatchObject({ row: { id: 2 }, by: "email" })
    expect(match(index, { email: "ann@example.com" }, "another-list")).toBeUndefined()
    expect(
      match(index, { email: "new@example.com", mobileCountryCode: 44, mobileNumber: 7700900123 }, listId),
    ).toMatchObject({ row: { id: 3 }, by: "mobileNumber" })
    expect(index.unreadMobiles.size).toBe(0)
  })

  it("several contacts with one email: the lowest contactId, in its latest version", () => {
    const index = new ContactIndex()
    index.add(withEmail(5, "same@example.com"))
    index.add(withEmail(4, "same@example.com"))
    index.add(withEmail(4, "same@example.com", { email_opt_in: 1 }))
    expect(match(index, { email: "same@example.com" }, listId)?.row).toMatchObject({ id: 4, email_opt_in: 1 })
  })

  it("a key the latest version no longer has reaches it no more; a new key does", () => {
    const index = new ContactIndex()
    index.add(withEmail(4, "old@example.com"))
    index.add(withEmail(5, "old@example.com"))
    index.add(withEmail(4, "new@example.com"))
    expect(match(index, { email: "old@example.com" }, listId)?.row.id).toBe(5)
    expect(match(index, { email: "new@example.com" }, listId)?.row.id).toBe(4)
  })

  it("a match by a mobile whose stored contacts were not read is noted", () => {
    const index = new ContactIndex()
    expect(match(index, { mobileCountryCode: 44, mobileNumber: 7700900999 }, listId)).toBeUndefined()
    expect([...index.unreadMobiles]).toEqual([7700900999])
  })
})
