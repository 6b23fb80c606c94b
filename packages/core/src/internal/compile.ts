/**
 * A mapping configuration compiled into the plain synchronous function `row → Contact | Rejection`
 * that runs per row (see `Mapping` for the coercions).
 */
import type { Contact, PropertyField } from "../Contact.js"
import { parseInt64Text } from "../Int64.js"
import type { Config, Rejection, Result } from "../Mapping.js"
import type { SourceRow } from "../SourceRow.js"
import * as Coerce from "./coerce.js"
import * as Columns from "./columns.js"
import * as Phones from "./phones.js"

const rejection = (row: SourceRow, key: string | undefined, field: string, reason: string): Rejection => ({
  _tag: "Rejection",
  position: row.position,
  key,
  field,
  reason,
})

type MutableContact = { -readonly [K in keyof Contact]: Contact[K] }

interface PropertyColumn {
  readonly column: string
  readonly read: (cells: SourceRow["fields"]) => unknown
  readonly name: string | undefined
  readonly id: string | undefined
  /** How a rejection names it. */
  readonly field: string
}

/** The property columns, by name first, then by id. */
const propertyColumns = (config: Config): ReadonlyArray<PropertyColumn> => [
  ...Object.entries(config.properties ?? {}).map(([name, column]) => ({
    column,
    read: Columns.reader(column),
    name,
    id: undefined,
    field: name,
  })),
  ...Object.entries(config.propertyIds ?? {}).map(([id, column]) => ({
    column,
    read: Columns.reader(column),
    name: undefined,
    id,
    field: id,
  })),
]

export const compile = (config: Config): ((row: SourceRow) => Result) => {
  const fields = config.fields ?? {}
  const contactIdOf = Coerce.contactId(parseInt64Text)
  const phoneOf = Phones.compile(config)
  const properties = propertyColumns(config)
  const read = (column: string | undefined) => (column === undefined ? undefined : Columns.reader(column))
  const readKey = Columns.reader(config.key)
  // The CRM matches emails case-insensitively: a key that is the email column is compared so too.
  const keyIsEmail = fields.email !== undefined && fields.email === config.key
  const contactId = read(fields.contactId)
  const email = read(fields.email)
  const emailOptIn = read(fields.emailOptIn)
  const mobileOptIn = read(fields.mobileOptIn)

  return (row) => {
    const cells = row.fields
    const rawKey = Coerce.text(readKey(cells))
    const key = typeof rawKey === "string" ? rawKey : undefined
    if (row.malformed !== undefined) return rejection(row, key, "row", row.malformed)
    if (rawKey === undefined)
      return rejection(row, undefined, "key", `the sync key column "${config.key}" is empty`)
    if (rawKey instanceof Coerce.Invalid)
      return rejection(row, undefined, "key", `the sync key ${rawKey.reason}`)
    const contact: MutableContact = {}

    if (contactId !== undefined) {
      const value = contactIdOf(contactId(cells))
      if (value instanceof Coerce.Invalid) return rejection(row, key, "contactId", value.reason)
      if (value !== undefined) contact.contactId = value
    }
    if (email !== undefined) {
      const value = Coerce.email(email(cells))
      if (value instanceof Coerce.Invalid) return rejection(row, key, "email", value.reason)
      if (value !== undefined) contact.email = value
    }
    if (emailOptIn !== undefined) {
      const value = Coerce.boolean(emailOptIn(cells))
      if (value instanceof Coerce.Invalid) return rejection(row, key, "emailOptIn", value.reason)
      if (value !== undefined) contact.emailOptIn = value
    }
    const mobile = phoneOf(cells)
    if (mobile !== undefined) {
      if ("reason" in mobile) return rejection(row, key, mobile.field, mobile.reason)
      contact.mobileCountryCode = mobile.code
      contact.mobileNumber = mobile.number
    }
    if (mobileOptIn !== undefined) {
      const value = Coerce.boolean(mobileOptIn(cells))
      if (value instanceof Coerce.Invalid) return rejection(row, key, "mobileOptIn", value.reason)
      if (value !== undefined) contact.mobileOptIn = value
    }
    if (contact.contactId === undefined && contact.email === undefined && contact.mobileNumber === undefined)
      return rejection(
        row,
        key,
        "identity",
        "the row has no contactId, email or mobile number, so the CRM cannot match or create it",
      )

    // Sized once (an empty array grows to 17 slots on its first push), filled by index.
    let propertyFields: Array<PropertyField> | undefined
    let count = 0
    for (let i = 0; i < properties.length; i++) {
      const property = properties[i]!
      const value = Coerce.text(property.read(cells))
      if (value === undefined) continue
      if (value instanceof Coerce.Invalid) return rejection(row, key, property.field, value.reason)
      if (value.length > Coerce.MAX_PROPERTY_LENGTH)
        return rejection(row, key, property.field, `is longer than ${Coerce.MAX_PROPERTY_LENGTH} characters`)
      propertyFields ??= new Array<PropertyField>(properties.length - i)
      propertyFields[count++] =
        property.name !== undefined
          ? { propertyName: property.name, propertyValue: value }
          : { propertyId: property.id ?? null, propertyValue: value }
    }
    if (propertyFields !== undefined) {
      if (count < propertyFields.length) propertyFields.length = count
      contact.propertyFields = propertyFields
    }
    return {
      _tag: "Mapped",
      position: row.position,
      key: keyIsEmail && contact.email != null ? contact.email.toLowerCase() : rawKey,
      contact,
    }
  }
}
