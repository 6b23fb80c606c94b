/**
 * The request side of `POST /contacts/batch`: one contact (`CreateUpdateContacts`) and its
 * property fields (`PropertyFields`), exactly as the contract names them. Every field is optional
 * and nullable, as in the contract; an omitted field leaves the CRM's value as it was.
 *
 * @since 0.1.0
 * @module
 */
import { Schema } from "effect"
import { Int32, Int64 } from "./Int64.js"

const nullable = <S extends Schema.Schema.All>(schema: S) => Schema.optional(Schema.NullOr(schema))

/**
 * A value stored under a property field of a contact, addressed by id or by name.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PropertyField = Schema.Struct({
  propertyId: nullable(Schema.UUID),
  propertyName: nullable(Schema.String),
  propertyValue: nullable(Schema.String),
}).annotations({ identifier: "PropertyFields" })
/**
 * A `PropertyField` as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type PropertyField = typeof PropertyField.Type

/**
 * The CRM's identifier of a contact: a positive int64 (the CRM numbers contacts from 1, so `0`
 * and negative values identify nothing and are refused rather than sent).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContactId = Int64.pipe(
  Schema.filter((n) => n >= 1 || "must be a positive integer (the CRM numbers contacts from 1)", {
    identifier: "ContactId",
    jsonSchema: { minimum: 1 },
  }),
)

/**
 * One contact to create or update.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Contact = Schema.Struct({
  listId: nullable(Schema.UUID),
  contactId: nullable(ContactId),
  mobileCountryCode: nullable(Int32),
  mobileNumber: nullable(Int64),
  mobileOptIn: nullable(Schema.Boolean),
  email: nullable(Schema.String),
  emailOptIn: nullable(Schema.Boolean),
  propertyFields: nullable(Schema.Array(PropertyField)),
}).annotations({ identifier: "CreateUpdateContacts" })
/**
 * A `Contact` as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type Contact = typeof Contact.Type
