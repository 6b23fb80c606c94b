import { describe, expect, it } from "@effect/vitest"
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

describe("Ledger.hashContact", () => {
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
