/** RecentContacts: which earlier row of another key got a contactId, within a bounded window. */
import { describe, expect, it } from "@effect/vitest"
import * as RecentContacts from "../src/internal/recentContacts.js"

describe("RecentContacts", () => {
  it("gives the earlier row of another key, not the same key's", () => {
    const recent = RecentContacts.make(10)
    expect(recent.claim(7, { key: "a", email: "a@x" })).toBeUndefined()
    expect(recent.claim(7, { key: "a", email: "a@x" })).toBeUndefined()
    expect(recent.claim(7, { key: "b", email: "b@x" })).toEqual({ key: "a", email: "a@x" })
    expect(recent.claim(8, { key: "b", email: "b@x" })).toBeUndefined()
  })

  it("remembers between one and two windows of contactIds, then forgets the oldest", () => {
    const recent = RecentContacts.make(3)
    for (let id = 1; id <= 6; id++) recent.claim(id, { key: `k${id}`, email: undefined })
    // 1..3 filled the first generation, 4..6 the second: all still known.
    expect(recent.claim(1, { key: "other", email: undefined })?.key).toBe("k1")
    for (let id = 7; id <= 9; id++) recent.claim(id, { key: `k${id}`, email: undefined })
    expect(recent.claim(2, { key: "other", email: undefined })).toBeUndefined()
    expect(recent.claim(9, { key: "other", email: undefined })?.key).toBe("k9")
  })
})
