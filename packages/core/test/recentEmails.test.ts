import { describe, expect, it } from "@effect/vitest"
import * as RecentEmails from "../src/internal/recentEmails.js"

describe("RecentEmails", () => {
  it("tells an email seen under another key, ignoring case; the same key is no merge", () => {
    const emails = RecentEmails.make(10)
    expect(emails.merges("ann@example.com", "A1")).toBe(false)
    expect(emails.merges("ANN@Example.com", "A1")).toBe(false)
    expect(emails.merges("Ann@example.com", "A2")).toBe(true)
    expect(emails.merges("bob@example.com", "B1")).toBe(false)
  })

  it("remembers at least `window` emails, across a generation's turn, and forgets older ones", () => {
    const emails = RecentEmails.make(4)
    for (let i = 0; i < 6; i++) emails.merges(`p${i}@example.com`, `K${i}`)
    // p2..p5 are within the last two generations (4 + 2), p0 was dropped with the older one.
    expect(emails.merges("p5@example.com", "other")).toBe(true)
    expect(emails.merges("p2@example.com", "other")).toBe(true)
    for (let i = 6; i < 14; i++) emails.merges(`p${i}@example.com`, `K${i}`)
    expect(emails.merges("p0@example.com", "other")).toBe(false)
  })
})
