import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, ParseResult, Schema } from "effect"
import fc from "fast-check"
import { Contact, Mapping, SourceRow } from "../src/index.js"

const LIST = "9fc6ad7d-902a-4834-b161-a4911b883d44"
const FIRST_NAME_ID = "8e8b8450-dc1b-4360-8109-7067337b42cb"

const mapping = Mapping.make({
  listId: LIST,
  key: "external_id",
  fields: {
    contactId: "crm_id",
    email: "email",
    emailOptIn: "newsletter",
    mobileCountryCode: "cc",
    mobileNumber: "mobile",
    mobileOptIn: "sms",
  },
  properties: { Company: "company" },
  propertyIds: { [FIRST_NAME_ID]: "first_name" },
})

const map = (fields: Record<string, unknown>, m: Mapping.Mapping = mapping) =>
  m.map(SourceRow.make({ position: "line 2", fields: { external_id: "C-1", ...fields } }))

const rejection = (result: Mapping.Result) => {
  if (result._tag !== "Rejection") throw new Error(`expected a rejection, got ${JSON.stringify(result)}`)
  return { field: result.field, reason: result.reason }
}
const contact = (result: Mapping.Result) => {
  if (result._tag !== "Mapped") throw new Error(`expected a contact, got ${JSON.stringify(result)}`)
  return result.contact
}

describe("Mapping", () => {
  it("maps every field, trims text, and omits empty cells so the CRM keeps its values", () => {
    expect(
      contact(
        map({
          crm_id: " 42 ",
          email: "  Ada@Example.com ",
          newsletter: "Yes",
          cc: "+44",
          mobile: "7911 123-456",
          sms: "",
          company: "  Acme ",
          first_name: "Ada",
        }),
      ),
    ).toEqual({
      contactId: 42,
      email: "Ada@Example.com",
      emailOptIn: true,
      mobileCountryCode: 44,
      mobileNumber: 7911123456,
      propertyFields: [
        { propertyName: "Company", propertyValue: "Acme" },
        { propertyId: FIRST_NAME_ID, propertyValue: "Ada" },
      ],
    })
    expect(contact(map({ email: "a@b.co", company: "   " }))).toEqual({ email: "a@b.co" })
  })

  it("rejects with the field and the reason", () => {
    expect(rejection(map({ email: "not an email" }))).toEqual({
      field: "email",
      reason: "is not an email address",
    })
    expect(rejection(map({ email: "a@b.co", newsletter: "maybe" }))).toEqual({
      field: "emailOptIn",
      reason: "must be one of true/false, yes/no, y/n, 1/0",
    })
    expect(rejection(map({ crm_id: "12345678901234567890" })).reason).toContain("within ±9007199254740991")
    expect(rejection(map({ crm_id: "4.5" }))).toEqual({
      field: "contactId",
      reason: "must be a whole number",
    })
    expect(rejection(map({ mobile: "7911123456" })).field).toBe("mobileCountryCode")
    expect(rejection(map({ cc: "44", mobile: "call me" })).field).toBe("mobileNumber")
    expect(rejection(map({ email: "a@b.co", company: "x".repeat(4001) }))).toEqual({
      field: "Company",
      reason: "is longer than 4000 characters",
    })
    expect(rejection(map({ external_id: " " }))).toEqual({
      field: "key",
      reason: 'the sync key column "external_id" is empty',
    })
  })

  it("reads numbers and booleans the same through their fast paths and their general ones", () => {
    const mapped = (fields: Record<string, unknown>) => {
      const result = map({ email: "a@b.co", ...fields })
      return result._tag === "Mapped" ? result.contact : `${result.field}: ${result.reason}`
    }
    expect(mapped({ cc: "44", mobile: "0791112345" })).toMatchObject({
      mobileCountryCode: 44,
      mobileNumber: 791112345,
    })
    expect(mapped({ cc: "1", mobile: "999999999999999" })).toMatchObject({ mobileNumber: 999999999999999 })
    expect(mapped({ cc: "1", mobile: "9007199254740991" })).toMatchObject({ mobileNumber: 9007199254740991 })
    expect(mapped({ cc: "44", mobile: "0" })).toBe("mobileNumber: must be a phone number (digits)")
    expect(mapped({ cc: "44", mobile: "+447911" })).toBe("mobileNumber: must be a phone number (digits)")
    expect(mapped({ cc: "44", mobile: "12345678901234567" })).toMatch(
      /^mobileNumber: must be an integer within/,
    )
    for (const cc of ["0", "+", "", "1000", "4a", "-44"])
      expect(mapped({ cc, mobile: "7911123456" })).toMatch(/^mobileCountryCode: /)
    expect(mapped({ cc: "+001", mobile: "7911123456" })).toMatchObject({ mobileCountryCode: 1 })
    expect(mapped({ crm_id: "007" })).toMatchObject({ contactId: 7 })
    for (const [cell, value] of [
      ["true", true],
      ["TRUE", true],
      ["y", true],
      ["false", false],
      ["No", false],
      ["0", false],
    ] as const)
      expect(mapped({ newsletter: cell })).toMatchObject({ emailOptIn: value })
  })

  it("rejects a row with no identity the CRM can match, and a malformed row with the source's reason", () => {
    expect(rejection(map({ company: "Acme", newsletter: "yes", cc: "44" }))).toEqual({
      field: "identity",
      reason: "the row has no contactId, email or mobile number, so the CRM cannot match or create it",
    })
    const malformed = mapping.map(
      SourceRow.malformed("line 9", "has 3 fields, the header has 4", { external_id: "C-9" }),
    )
    expect(malformed).toEqual({
      _tag: "Rejection",
      position: "line 9",
      key: "C-9",
      field: "row",
      reason: "has 3 fields, the header has 4",
    })
  })

  it("takes the country code from defaultCountry when the row has none", () => {
    const withDefault = Mapping.make({ ...mapping.config, defaultCountry: "FR" })
    expect(contact(map({ mobile: "612345678" }, withDefault))).toMatchObject({
      mobileCountryCode: 33,
      mobileNumber: 612345678,
    })
  })

  it("splits one phone column with libphonenumber-js: E.164, or national with defaultCountry", () => {
    const phone = Mapping.make({ key: "external_id", fields: { phone: "phone" }, defaultCountry: "GB" })
    expect(contact(map({ phone: "+34 612 688 124" }, phone))).toEqual({
      mobileCountryCode: 34,
      mobileNumber: 612688124,
    })
    expect(contact(map({ phone: "07911 123456" }, phone))).toEqual({
      mobileCountryCode: 44,
      mobileNumber: 7911123456,
    })
    expect(rejection(map({ phone: "12" }, phone))).toEqual({
      field: "phone",
      reason: "is not a valid phone number in GB",
    })
    const noDefault = Mapping.make({ key: "external_id", fields: { phone: "phone" } })
    expect(rejection(map({ phone: "07911 123456" }, noDefault)).reason).toContain(
      "national numbers need defaultCountry",
    )
  })

  it("reads its configuration from JSON, naming what is wrong", async () => {
    const decoded = await Effect.runPromise(
      Mapping.decode({ listId: LIST, key: "id", fields: { email: "mail" }, properties: { City: "city" } }),
    )
    expect(
      contact(
        decoded.map(SourceRow.make({ position: "1", fields: { id: "1", mail: "a@b.co", city: "Oslo" } })),
      ),
    ).toEqual({
      email: "a@b.co",
      propertyFields: [{ propertyName: "City", propertyValue: "Oslo" }],
    })
    const bad = await Effect.runPromise(
      Mapping.decode({
        listId: "nope",
        key: "id",
        fields: { phone: "p", mobileNumber: "m" },
        defaultCountry: "XX",
      }).pipe(Effect.flip),
    )
    const text = ParseResult.TreeFormatter.formatErrorSync(bad)
    expect(text).toContain('["listId"]')
    const noIdentity = await Effect.runPromise(Mapping.decode({ key: "id", fields: {} }).pipe(Effect.flip))
    expect(ParseResult.TreeFormatter.formatErrorSync(noIdentity)).toContain("no identity column")
    expect(
      Mapping.make({ key: "id", fields: { phone: "p", mobileNumber: "m" }, defaultCountry: "XX" }).problems,
    ).toEqual([
      "fields.phone cannot be combined with fields.mobileNumber or fields.mobileCountryCode",
      'defaultCountry "XX" is not a supported ISO 3166 country code (like GB, FR, US)',
    ])
  })
})

describe("Mapping properties (fast-check)", () => {
  const decodeContact = Schema.decodeUnknownEither(Contact.Contact)
  const cell = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.constantFrom("yes", " NO ", "1", "y", "a@b.co", " +44 7911 123456 ", "9007199254740993", "-5", "0044"),
  )

  it("never throws: every row becomes a contact the contract accepts, or a rejection that names a field and a reason", () => {
    const phone = Mapping.make({
      ...mapping.config,
      fields: { email: "email", phone: "mobile" },
      defaultCountry: "GB",
    })
    fc.assert(
      fc.property(
        fc.record({
          external_id: cell,
          crm_id: cell,
          email: cell,
          newsletter: cell,
          cc: cell,
          mobile: cell,
          sms: cell,
          company: cell,
        }),
        (fields) => {
          for (const m of [mapping, phone]) {
            const result = m.map(SourceRow.make({ position: "p", fields }))
            if (result._tag === "Mapped") {
              expect(Either.isRight(decodeContact(result.contact))).toBe(true)
              expect(result.key).toBe(String(fields.external_id).trim())
              const c = result.contact
              expect(c.contactId != null || c.email != null || c.mobileNumber != null).toBe(true)
              if (c.mobileNumber != null) expect(c.mobileCountryCode).toBeTypeOf("number")
            } else {
              expect(result.field.length).toBeGreaterThan(0)
              expect(result.reason.length).toBeGreaterThan(0)
            }
          }
        },
      ),
      { numRuns: 1000, seed: 7 },
    )
  })

  it("reads booleans from true/false, yes/no, y/n, 1/0 in any case and with spaces", () => {
    const token = fc.constantFrom(
      ["true", true],
      ["false", false],
      ["yes", true],
      ["no", false],
      ["y", true],
      ["n", false],
      ["1", true],
      ["0", false],
    ) as fc.Arbitrary<[string, boolean]>
    fc.assert(
      fc.property(
        token,
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        fc.nat(3),
        fc.nat(3),
        ([word, value], upper, before, after) => {
          const cased = [...word].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join("")
          const text = " ".repeat(before) + cased + " ".repeat(after)
          expect(contact(map({ email: "a@b.co", newsletter: text })).emailOptIn).toBe(value)
        },
      ),
      { seed: 11 },
    )
  })

  it("keeps every positive whole number exactly or refuses it: no contactId is ever rounded", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        const result = map({ crm_id: n.toString() })
        const contactId = n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= 1n
        if (contactId) expect(BigInt(contact(result).contactId!)).toBe(n)
        else expect(rejection(result).field).toBe("contactId")
      }),
      { numRuns: 2000, seed: 3 },
    )
  })
})
