/**
 * The building blocks of the configuration's Schema: an http(s) URL, positive numbers, and fields
 * with the description an editor shows (from the generated JSON Schema).
 *
 * Each filter that JSON Schema cannot see through carries a `jsonSchema` annotation, so the
 * generated schema (`SyncConfig.jsonSchema`) checks what the decoder checks. Descriptions sit on
 * the property signatures: they show in an editor's hover and leave the decoder's messages as
 * they are.
 */
import { Schema } from "effect"

const isHttpUrl = (text: string) => {
  try {
    const url = new URL(text)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

export const HttpUrl = Schema.String.pipe(
  Schema.filter(isHttpUrl, {
    message: () => "expected an http:// or https:// URL",
    description: "an http:// or https:// URL",
    jsonSchema: { format: "uri", pattern: "^[Hh][Tt][Tt][Pp][Ss]?://" },
  }),
)

export const PositiveInt = Schema.Int.pipe(Schema.positive())
export const Positive = Schema.Number.pipe(Schema.positive())

/** A required field, with its description. */
export const field = <S extends Schema.Schema.All>(description: string, schema: S) =>
  Schema.propertySignature(schema).annotations({ description })

/** An optional field, with its description. */
export const optionalField = <S extends Schema.Schema.All>(description: string, schema: S) =>
  Schema.optional(schema).annotations({ description })

/** A CSV delimiter: one character, or "auto" to detect it. */
export const Delimiter = Schema.String.pipe(
  Schema.filter((text) => text === "auto" || [...text].length === 1, {
    message: () => 'expected one character (",", ";", "\\t", "|") or "auto"',
    description: 'one character, or "auto"',
    jsonSchema: { type: "string", anyOf: [{ const: "auto" }, { minLength: 1, maxLength: 1 }] },
  }),
)
