/**
 * A mapping configuration compiled into the plain synchronous function `row → Contact | Rejection`
 * that runs per row (see `Mapping` for the coercions).
 */
import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js"
import type { CountryCode } from "libphonenumber-js"
import type { Contact, PropertyField } from "../Contact.js"
import { parseInt64Text } from "../Int64.js"
import type { Config, Rejection, Result } from "../Mapping.js"
import type { SourceRow } from "../SourceRow.js"
import * as Coerce from "./coerce.js"
import * as Columns from "./columns.js"

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

const countryOf = (text: string): CountryCode | undefined => {
  const code = text.toUpperCase()
  return isSupportedCountry(code) ? code : undefined
}

export const compile = (config: Config): ((row: SourceRow) => Result) => {
  const fields = config.fields ?? {}
  const int64 = Coerce.int64(parseInt64Text)
  const mobileDigits = Coerce.mobileNumber(parseInt64Text)
  const defaultCountry = config.defaultCountry === undefined ? undefined : countryOf(config.defaultCountry)
  const defaultCallingCode =
    defaultCountry === undefined ? undefined : Number(getCountryCallingCode(defaultCountry))
  const properties = propertyColumns(config)
  const read = (column: string | undefined) => (column === undefined ? undefined : Columns.reader(column))
  const readKey = Columns.reader(config.key)
  // The CRM matches emails case-insensitively: a key that is the email column is compared so too.
  const keyIsEmail = fields.email !== undefined && fields.email === config.key
  const contactId = read(fields.contactId)
  const email = read(fields.email)
  const emailOptIn = read(fields.emailOptIn)
  const mobileCountryCode = read(fields.mobileCountryCode)
  const mobileNumber = read(fields.mobileNumber)
  const mobileOptIn = read(fields.mobileOptIn)
  const phone = read(fields.phone)
  const phoneCountry = read(fields.phoneCountry)

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
      const value = int64(contactId(cells))
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
    let country = defaultCountry
    if (phoneCountry !== undefined) {
      const value = Coerce.text(phoneCountry(cells))
      if (value instanceof Coerce.Invalid) return rejection(row, key, "phoneCountry", value.reason)
      if (value !== undefined) {
        country = countryOf(value)
        if (country === undefined)
          return rejection(
            row,
            key,
            "phoneCountry",
            `"${value}" is not an ISO 3166 country code (like FR, DE, US)`,
          )
      }
    }
    if (phone !== undefined) {
      const value = Coerce.text(phone(cells))
      if (value instanceof Coerce.Invalid) return rejection(row, key, "phone", value.reason)
      if (value !== undefined) {
        const parsed = parsePhoneNumberFromString(value, country)
        if (parsed === undefined || !parsed.isValid())
          return rejection(
            row,
            key,
            "phone",
            country === undefined && !value.startsWith("+")
              ? "is not a valid phone number (national numbers need defaultCountry or fields.phoneCountry in the mapping; or write it as +<country code> <number>)"
              : `is not a valid phone number${country === undefined || value.startsWith("+") ? "" : ` in ${country}`}`,
          )
        contact.mobileCountryCode = Number(parsed.countryCallingCode)
        contact.mobileNumber = Number(parsed.nationalNumber)
      }
    } else if (mobileNumber !== undefined) {
      const value = mobileDigits(mobileNumber(cells))
      if (value instanceof Coerce.Invalid) return rejection(row, key, "mobileNumber", value.reason)
      if (value !== undefined) {
        let code: number | undefined =
          country === defaultCountry || country === undefined
            ? defaultCallingCode
            : Number(getCountryCallingCode(country))
        if (mobileCountryCode !== undefined) {
          const given = Coerce.countryCode(mobileCountryCode(cells))
          if (given instanceof Coerce.Invalid) return rejection(row, key, "mobileCountryCode", given.reason)
          if (given !== undefined) code = given
        }
        if (code === undefined)
          return rejection(
            row,
            key,
            "mobileCountryCode",
            "is empty, and the mapping has no defaultCountry (the CRM needs both country code and number)",
          )
        contact.mobileCountryCode = code
        contact.mobileNumber = value
      }
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
