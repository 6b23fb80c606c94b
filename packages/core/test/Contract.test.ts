import { HttpApiSchema } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Either, ParseResult, Schema } from "effect"
import { ApiError, BatchAccepted, BatchReport, BatchRequest, Contact, Int64 } from "../src/index.js"
import { seedRequest, seedRequestWithContactId, seedResponse } from "./fixtures/seed.js"

const decodeRequest = Schema.decodeUnknownEither(BatchRequest.BatchRequest, { errors: "all" })
const errorText = (result: Either.Either<unknown, ParseResult.ParseError>) =>
  Either.isLeft(result) ? ParseResult.TreeFormatter.formatErrorSync(result.left) : "decoded"

describe("request body", () => {
  it("decodes and re-encodes the seed's request sample unchanged, given a real contactId", () => {
    const decoded = Schema.decodeUnknownSync(BatchRequest.BatchRequest)(seedRequestWithContactId)
    expect(decoded.createUpdateContacts[0]?.propertyFields?.[0]?.propertyId).toBe(
      "8e8b8450-dc1b-4360-8109-7067337b42cb",
    )
    expect(Schema.encodeSync(BatchRequest.BatchRequest)(decoded)).toEqual(seedRequestWithContactId)
  })

  it("refuses the seed sample's placeholder contactId 0, and only that", () => {
    const result = decodeRequest(seedRequest)
    const text = errorText(result)
    expect(text).toContain('["contactId"]')
    expect(text).toContain("must be a positive integer (the CRM numbers contacts from 1)")
    const paths = Either.isLeft(result)
      ? ParseResult.ArrayFormatter.formatErrorSync(result.left).map((issue) => issue.path.join("."))
      : []
    expect(new Set(paths)).toEqual(new Set(["createUpdateContacts.0.contactId"]))
  })

  it("takes null for every nullable field and keeps omitted fields omitted", () => {
    const allNull = {
      listId: null,
      contactId: null,
      mobileCountryCode: null,
      mobileNumber: null,
      mobileOptIn: null,
      email: null,
      emailOptIn: null,
      propertyFields: null,
    }
    const decoded = Schema.decodeUnknownSync(BatchRequest.BatchRequest)({
      listId: null,
      webHookUrl: null,
      createUpdateContacts: [allNull, { email: "a@example.com" }],
    })
    expect(decoded.createUpdateContacts[0]).toEqual(allNull)
    expect(Object.keys(decoded.createUpdateContacts[1]!)).toEqual(["email"])
  })

  it("requires 1 to 1000 contacts", () => {
    const contacts = (n: number) => Array.from({ length: n }, (_, i) => ({ email: `c${i}@example.com` }))
    expect(errorText(decodeRequest({}))).toContain("createUpdateContacts")
    expect(errorText(decodeRequest({ createUpdateContacts: [] }))).toContain("at least 1")
    expect(Either.isRight(decodeRequest({ createUpdateContacts: contacts(1000) }))).toBe(true)
    expect(errorText(decodeRequest({ createUpdateContacts: contacts(1001) }))).toContain("at most 1000")
  })

  it("refuses a listId or propertyId that is not a uuid, naming where", () => {
    const text = errorText(
      decodeRequest({
        listId: "list-1",
        createUpdateContacts: [{ propertyFields: [{ propertyId: "nope", propertyValue: "x" }] }],
      }),
    )
    expect(text).toContain('["listId"]')
    expect(text).toContain('["propertyId"]')
    expect(text).toContain("Universally Unique Identifier")
  })

  it("refuses wrong types field by field", () => {
    const text = errorText(
      decodeRequest({ createUpdateContacts: [{ email: 42, mobileOptIn: "yes", mobileCountryCode: 1.5 }] }),
    )
    expect(text).toContain('["email"]')
    expect(text).toContain('["mobileOptIn"]')
    expect(text).toContain('["mobileCountryCode"]')
  })
})

describe("int64 fields are never rounded", () => {
  const decodeContact = Schema.decodeUnknownEither(Contact.Contact)

  it("carries the largest exact integer", () => {
    const max = Number.MAX_SAFE_INTEGER
    expect(decodeContact({ contactId: max, mobileNumber: -max })).toEqual(
      Either.right({ contactId: max, mobileNumber: -max }),
    )
  })

  it.each(["contactId", "mobileNumber"])("refuses %s values JSON would round, naming the field", (field) => {
    // 9007199254740993 is not representable: JSON.parse silently turns it into 9007199254740992.
    const parsed = JSON.parse(`{"${field}": 9007199254740993}`)
    expect(parsed[field]).toBe(9007199254740992)
    const text = errorText(decodeContact(parsed))
    expect(text).toContain(`["${field}"]`)
    expect(text).toContain("cannot be carried exactly")
    expect(errorText(decodeContact({ [field]: 2 ** 63 }))).toContain(`["${field}"]`)
    expect(errorText(decodeContact({ [field]: 12.5 }))).toContain(`["${field}"]`)
  })

  it("refuses out-of-range int32 country codes", () => {
    expect(errorText(decodeContact({ mobileCountryCode: 2 ** 31 }))).toContain('["mobileCountryCode"]')
    expect(Either.isRight(decodeContact({ mobileCountryCode: 2 ** 31 - 1 }))).toBe(true)
  })

  it("parses decimal text exactly, without passing through a double", () => {
    expect(Int64.parseInt64Text(" 9007199254740991 ")).toBe(9007199254740991)
    expect(Int64.parseInt64Text("-42")).toBe(-42)
    expect(Int64.parseInt64Text("9007199254740993")).toMatch(/cannot be carried exactly/)
    expect(Int64.parseInt64Text("12.0")).toBe("must be a whole number")
    expect(Int64.parseInt64Text("1e3")).toBe("must be a whole number")
  })
})

describe("202 body", () => {
  it("decodes and re-encodes the seed's response sample unchanged", () => {
    const decoded = Schema.decodeUnknownSync(BatchAccepted.BatchAccepted)(seedResponse)
    expect(decoded.data.status).toBe(0)
    expect(decoded.data.invalidContactIdList).toEqual(["string"])
    expect(Schema.encodeSync(BatchAccepted.BatchAccepted)(decoded)).toEqual(seedResponse)
  })

  it("refuses a body without data", () => {
    expect(
      Either.isLeft(
        Schema.decodeUnknownEither(BatchAccepted.BatchAccepted)({ status: "Success", message: "" }),
      ),
    ).toBe(true)
  })
})

describe("webhook report", () => {
  const report = {
    batchId: "b-1",
    listId: "9fc6ad7d-902a-4834-b161-a4911b883d44",
    inserted: { count: 1, contactIds: ["9007199254740991"] },
    updated: { count: 1, contactIds: ["7"] },
    skipped: { count: 1, contactIds: ["404"] },
    results: [
      { index: 0, contactId: "9007199254740991", outcome: "inserted" },
      { index: 1, contactId: "7", outcome: "updated" },
      { index: 2, contactId: "404", outcome: "skipped", reason: "contactId 404 does not exist" },
    ],
  }

  it("round-trips with contact ids as strings", () => {
    const decoded = Schema.decodeUnknownSync(BatchReport.BatchReport)(report)
    expect(decoded.results[2]?.reason).toBe("contactId 404 does not exist")
    expect(Schema.encodeSync(BatchReport.BatchReport)(decoded)).toEqual(report)
  })

  it("refuses an unknown outcome or a numeric contact id", () => {
    const bad = { ...report, results: [{ index: 0, contactId: 7, outcome: "merged" }] }
    const text = errorText(Schema.decodeUnknownEither(BatchReport.BatchReport, { errors: "all" })(bad))
    expect(text).toContain('["contactId"]')
    expect(text).toContain('["outcome"]')
  })
})

describe("typed errors", () => {
  const cases = [
    [new ApiError.BadRequest({ message: "bad", errors: [{ index: 2, field: "email", message: "x" }] }), 400],
    [new ApiError.Unauthorized({ message: "no token" }), 401],
    [new ApiError.NotAcceptable({ message: "json only" }), 406],
    [
      new ApiError.Conflict({
        message: "same contact",
        errors: [{ index: 3, conflictsWith: 1, field: "email", message: "same email as contact 1" }],
      }),
      409,
    ],
    [
      new ApiError.Unprocessable({
        message: "invalid",
        errors: [{ index: 0, field: "email", message: "x" }],
      }),
      422,
    ],
    [new ApiError.RateLimited({ message: "slow down", retryAfterSeconds: 2 }), 429],
    [new ApiError.ServerError({ message: "boom" }), 500],
  ] as const

  it.each(cases)("%s round-trips through its wire body", (error) => {
    const encoded = Schema.encodeSync(ApiError.ApiError)(error)
    expect(encoded._tag).toBe(error._tag)
    const wire = JSON.parse(JSON.stringify(encoded))
    const decoded = Schema.decodeUnknownSync(ApiError.ApiError)(wire)
    expect(decoded).toBeInstanceOf(error.constructor)
    expect(decoded).toEqual(error)
  })

  it.each(cases)("%s is annotated with its HTTP status", (error, status) => {
    expect(
      HttpApiSchema.getStatusError(ApiError.ApiError.members.find((member) => error instanceof member)!),
    ).toBe(status)
  })
})
