/**
 * How a source row becomes a contact: a configuration (a Schema, so that the CLI reads it from
 * JSON) compiled once into a plain synchronous function `row → Contact | Rejection`.
 *
 * Coercions: strings are trimmed and an empty cell means "not provided" (the field is omitted,
 * so the CRM keeps its value); booleans from true/false, yes/no, y/n, 1/0 (any case); emails are
 * trimmed and checked (one holding an invisible, direction-control or control character is
 * refused, naming it); whole numbers are parsed without rounding (`Int64.parseInt64Text`), and a
 * contactId must be positive; one phone column (`fields.phone`, E.164 or national) is split into
 * country code and number by libphonenumber-js with `defaultCountry` for national numbers. A row
 * must carry an identity the CRM can match (contactId, email or mobile), or it is rejected.
 *
 * @since 0.1.0
 * @module
 */
import { isSupportedCountry } from "libphonenumber-js"
import { Effect, ParseResult, Schema } from "effect"
import type { Contact } from "./Contact.js"
import * as Columns from "./internal/columns.js"
import { compile } from "./internal/compile.js"
import type { SourceRow } from "./SourceRow.js"

/**
 * Which column feeds which contact field. Every entry is optional.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Fields = Schema.Struct({
  contactId: Schema.optional(Schema.String),
  email: Schema.optional(Schema.String),
  emailOptIn: Schema.optional(Schema.String),
  mobileCountryCode: Schema.optional(Schema.String),
  mobileNumber: Schema.optional(Schema.String),
  mobileOptIn: Schema.optional(Schema.String),
  /** One column holding the whole phone number (E.164 like `+44 7911 123456`, or national with `defaultCountry`). */
  phone: Schema.optional(Schema.String),
  /** A column with each row's ISO 3166 country (`FR`), for its national phone number; `defaultCountry` serves rows without one. */
  phoneCountry: Schema.optional(Schema.String),
}).annotations({ identifier: "MappingFields" })
/**
 * `Fields` as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type Fields = typeof Fields.Type

const ConfigFields = Schema.Struct({
  /** The CRM list the contacts go to (sent as the batch's `listId`). */
  listId: Schema.optional(Schema.UUID),
  /** The column that identifies a row in the source: the sync key. Rows with the same key are one contact. */
  key: Schema.NonEmptyTrimmedString,
  fields: Schema.optional(Fields),
  /** ISO 3166 country (`GB`, `FR`) for national phone numbers and for mobile numbers without a country code column value. */
  defaultCountry: Schema.optional(Schema.String),
  /** CRM property name → column. */
  properties: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  /** CRM propertyId (uuid) → column. */
  propertyIds: Schema.optional(Schema.Record({ key: Schema.UUID, value: Schema.String })),
})

/**
 * Problems of a configuration that its types cannot express; empty when it is usable.
 *
 * @since 0.1.0
 * @category utils
 */
export const problems = (config: typeof ConfigFields.Type): ReadonlyArray<string> => {
  const found: Array<string> = []
  const fields = config.fields ?? {}
  if (
    fields.phone !== undefined &&
    (fields.mobileNumber !== undefined || fields.mobileCountryCode !== undefined)
  )
    found.push("fields.phone cannot be combined with fields.mobileNumber or fields.mobileCountryCode")
  if (config.defaultCountry !== undefined && !isSupportedCountry(config.defaultCountry))
    found.push(
      `defaultCountry "${config.defaultCountry}" is not a supported ISO 3166 country code (like GB, FR, US)`,
    )
  if (fields.phoneCountry !== undefined && fields.phone === undefined && fields.mobileNumber === undefined)
    found.push("fields.phoneCountry needs fields.phone or fields.mobileNumber")
  if (
    fields.contactId === undefined &&
    fields.email === undefined &&
    fields.mobileNumber === undefined &&
    fields.phone === undefined
  )
    found.push(
      "no identity column: map at least one of fields.contactId, fields.email, fields.mobileNumber, fields.phone",
    )
  return found
}

/**
 * The configuration of a mapping, as read from JSON.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Config = ConfigFields.pipe(
  Schema.filter((config) => {
    const found = problems(config)
    return found.length === 0 ? true : found.join("; ")
  }),
).annotations({ identifier: "MappingConfig" })
/**
 * A mapping configuration as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type Config = typeof Config.Type

/**
 * A row the mapping turned into a contact.
 *
 * @since 0.1.0
 * @category models
 */
export interface Mapped {
  readonly _tag: "Mapped"
  readonly position: string
  readonly key: string
  readonly contact: Contact
}

/**
 * A row the mapping cannot send: which field, and why.
 *
 * @since 0.1.0
 * @category models
 */
export interface Rejection {
  readonly _tag: "Rejection"
  readonly position: string
  /** The row's sync key, when it had one. */
  readonly key: string | undefined
  /** The contact field, property or column at fault (`key` for the sync key, `row` for a malformed row). */
  readonly field: string
  readonly reason: string
}

/**
 * What a mapping makes of a row: a contact, or why there is none.
 *
 * @since 0.1.0
 * @category models
 */
export type Result = Mapped | Rejection

/**
 * A compiled mapping: its configuration, its problems, and the function that maps a row.
 *
 * @since 0.1.0
 * @category models
 */
export interface Mapping {
  readonly config: Config
  /** Problems that make the configuration unusable; `Sync.run` refuses to start when there are any. */
  readonly problems: ReadonlyArray<string>
  /** The compiled mapping: a plain function for the hot path. */
  readonly map: (row: SourceRow) => Result
}

/**
 * Compiles a mapping configuration. Check `problems` (or use `decode`) before relying on it.
 *
 * @example
 * ```ts
 * import { Mapping } from "@brainsync/core"
 *
 * const mapping = Mapping.make({
 *   listId: "9fc6ad7d-902a-4834-b161-a4911b883d44",
 *   key: "external_id",
 *   defaultCountry: "US",
 *   fields: { email: "email", phone: "phone", emailOptIn: "newsletter" },
 *   properties: { "First Name": "first_name", Company: "company" },
 * })
 * // mapping.problems is empty: Sync.run would refuse to start otherwise
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (config: Config): Mapping => ({
  config,
  problems: problems(config),
  map: compile(config),
})

/**
 * Reads a mapping configuration from unknown input (parsed JSON), with messages that name the field at
 * fault.
 *
 * @since 0.1.0
 * @category constructors
 */
export const decode = (input: unknown): Effect.Effect<Mapping, ParseResult.ParseError> =>
  Effect.map(Schema.decodeUnknown(Config, { errors: "all" })(input), make)

/**
 * Every column the mapping reads, with the setting that names it (`key`, `fields.email`,
 * `properties["First Name"]`, ...).
 *
 * @since 0.1.0
 * @category utils
 */
export const columns = (
  config: Config,
): ReadonlyArray<{ readonly setting: string; readonly column: string }> => [
  { setting: "key", column: config.key },
  ...Object.entries(config.fields ?? {}).flatMap(([field, column]) =>
    column === undefined ? [] : [{ setting: `fields.${field}`, column }],
  ),
  ...Object.entries(config.properties ?? {}).map(([name, column]) => ({
    setting: `properties[${JSON.stringify(name)}]`,
    column,
  })),
  ...Object.entries(config.propertyIds ?? {}).map(([id, column]) => ({
    setting: `propertyIds.${id}`,
    column,
  })),
]

const LISTED_COLUMNS = 20

/**
 * The columns the mapping names that none of `rows` has, one message each (naming the setting,
 * the columns there are and the closest one); empty when every column exists. Malformed rows
 * are not looked at; without a well-formed row there is nothing to check against.
 *
 * @since 0.1.0
 * @category utils
 */
export const missingColumns = (mapping: Mapping, rows: ReadonlyArray<SourceRow>): ReadonlyArray<string> => {
  const wellFormed = rows.filter((row) => row.malformed === undefined)
  if (wellFormed.length === 0) return []
  const existing = Columns.available(wellFormed)
  const listed =
    existing.length <= LISTED_COLUMNS
      ? existing.map((column) => JSON.stringify(column)).join(", ")
      : `${existing
          .slice(0, LISTED_COLUMNS)
          .map((column) => JSON.stringify(column))
          .join(", ")}, and ${existing.length - LISTED_COLUMNS} more`
  return columns(mapping.config)
    .filter(({ column }) => !Columns.present(wellFormed, column))
    .map(({ column, setting }) => {
      const near = Columns.closest(column, existing)
      return `${setting} names the column ${JSON.stringify(column)}, which the source does not have (its columns: ${listed})${near === undefined ? "" : `; did you mean ${JSON.stringify(near)}?`}`
    })
}
