import { describe, expect, it } from "@effect/vitest"
import { Either, JSONSchema, ParseResult, Schema } from "effect"
import { field, HttpUrl, optionalField, Positive, PositiveInt } from "../src/internal/configFields.js"

const message = <A, I>(schema: Schema.Schema<A, I>, input: unknown) =>
  Either.match(Schema.decodeUnknownEither(schema)(input), {
    onLeft: (error) => ParseResult.ArrayFormatter.formatErrorSync(error)[0]!.message,
    onRight: () => "decoded",
  })

describe("configFields: the configuration Schema's building blocks", () => {
  it("HttpUrl takes http(s) URLs in any case and says what it expected otherwise", () => {
    expect(message(HttpUrl, "https://crm.example.com/v1")).toBe("decoded")
    expect(message(HttpUrl, "HTTP://127.0.0.1:4010")).toBe("decoded")
    expect(message(HttpUrl, "ftp://crm.example.com")).toBe("expected an http:// or https:// URL")
    expect(message(HttpUrl, "not a url")).toBe("expected an http:// or https:// URL")
  })

  it("HttpUrl's JSON Schema checks the scheme as the decoder does", () => {
    const schema = JSONSchema.make(HttpUrl) as { readonly pattern: string; readonly format: string }
    expect(schema.format).toBe("uri")
    const pattern = new RegExp(schema.pattern)
    expect(["https://a", "Http://b"].map((url) => pattern.test(url))).toEqual([true, true])
    expect(pattern.test("ftp://c")).toBe(false)
  })

  it("Positive and PositiveInt refuse zero; PositiveInt refuses fractions", () => {
    expect([message(Positive, 0.5), message(PositiveInt, 3)]).toEqual(["decoded", "decoded"])
    expect(message(Positive, 0)).not.toBe("decoded")
    expect(message(PositiveInt, 1.5)).not.toBe("decoded")
  })

  it("fields carry their description into the JSON Schema; an optional field may be left out", () => {
    const Example = Schema.Struct({
      a: field("The a.", Schema.String),
      b: optionalField("The b.", PositiveInt),
    })
    const schema = JSONSchema.make(Example) as {
      readonly required: ReadonlyArray<string>
      readonly properties: Record<string, { readonly description?: string }>
    }
    expect(schema.required).toEqual(["a"])
    expect(schema.properties["a"]?.description).toBe("The a.")
    expect(schema.properties["b"]?.description).toBe("The b.")
    expect(message(Example, { a: "x" })).toBe("decoded")
    expect(message(Example, {})).not.toBe("decoded")
  })
})
