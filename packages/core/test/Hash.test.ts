import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import type { Contact } from "../src/Contact.js"
import { Ledger } from "../src/index.js"

// Hashes as the first implementation (one string built per contact) computed them: ledgers
// written by it must keep matching, or every row of an unchanged source would be resent.
const known: ReadonlyArray<readonly [Contact, string]> = [
  [{}, "1qo2eaon7k9"],
  [{ email: "ada@example.com" }, "1heo9s3mv9x"],
  [
    {
      contactId: 12345678901234,
      email: "A@b.co",
      emailOptIn: true,
      mobileCountryCode: 44,
      mobileNumber: 7911123456,
      mobileOptIn: false,
      listId: "9fc6ad7d-902a-4834-b161-a4911b883d44",
      propertyFields: [
        { propertyName: "Last Name", propertyValue: "Lovelace" },
        { propertyId: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", propertyValue: "x" },
        { propertyName: "City", propertyValue: "Paris" },
      ],
    },
    "1oy8y9xjwry",
  ],
  [
    {
      email: "ä\u0001@é.fr",
      propertyFields: [
        { propertyName: "a\u0000", propertyValue: "1" },
        { propertyName: "a", propertyValue: "\u00012" },
      ],
    },
    "b3gtu50vy3",
  ],
]

/** The first implementation: the contact's text built whole, then cyrb53. */
const reference = (contact: Contact): string => {
  const text = (value: unknown) => (value == null ? "" : String(value))
  let whole = [
    contact.contactId,
    contact.email,
    contact.emailOptIn,
    contact.mobileCountryCode,
    contact.mobileNumber,
    contact.mobileOptIn,
    contact.listId,
  ]
    .map(text)
    .join("|")
  const properties = (contact.propertyFields ?? []).map(
    (p) => `${text(p.propertyId)}\u0001${text(p.propertyName)}\u0001${text(p.propertyValue)}`,
  )
  if (properties.length > 0) whole += "|" + properties.sort().join("\u0002")
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < whole.length; i++) {
    const ch = whole.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)
}

const whole = fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.constantFrom(0, -1, 10, 99, 100, 2 ** 53 - 1))
const contact: fc.Arbitrary<Contact> = fc.record(
  {
    contactId: whole,
    email: fc.string(),
    emailOptIn: fc.boolean(),
    mobileCountryCode: fc.integer({ min: 0, max: 999 }),
    mobileNumber: whole,
    mobileOptIn: fc.boolean(),
    listId: fc.uuid(),
    propertyFields: fc.array(
      fc.record(
        { propertyId: fc.uuid(), propertyName: fc.string(), propertyValue: fc.string() },
        { requiredKeys: [] },
      ),
      { maxLength: 4 },
    ),
  },
  { requiredKeys: [] },
)

describe("Ledger.hashContact", () => {
  it("hashes the text the first implementation built, numbers written as String writes them", () =>
    fc.assert(
      fc.property(contact, (c) => {
        expect(Ledger.hashContact(c)).toBe(reference(c))
      }),
    ))

  it("gives the hashes that existing ledgers hold", () => {
    for (const [contact, hash] of known) expect(Ledger.hashContact(contact)).toBe(hash)
  })

  it("does not depend on the order of property fields, and sees every value", () => {
    const fields = [
      { propertyName: "Last Name", propertyValue: "Lovelace" },
      { propertyName: "City", propertyValue: "Paris" },
      { propertyName: "First Name", propertyValue: "Ada" },
    ]
    const hash = Ledger.hashContact({ email: "ada@example.com", propertyFields: fields })
    expect(Ledger.hashContact({ email: "ada@example.com", propertyFields: [...fields].reverse() })).toBe(hash)
    expect(
      Ledger.hashContact({
        email: "ada@example.com",
        propertyFields: [...fields.slice(0, 2), { propertyName: "First Name", propertyValue: "Ida" }],
      }),
    ).not.toBe(hash)
  })
})
