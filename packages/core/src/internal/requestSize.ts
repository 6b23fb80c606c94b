/**
 * The size of a request body (its JSON text in UTF-8) against `maxRequestBytes`, measured without
 * building the body in the common case: a bound from the lengths of the contacts' strings settles
 * almost every batch; only a batch whose bound passes the limit has its contacts serialised to
 * be measured exactly (and each contact's size is kept, so the halves of a split reuse it).
 */
import type { Contact, PropertyField } from "../Contact.js"

/** What a field's value can be, for the bound. */
type Kind = "scalar" | "string" | "properties"

/**
 * Every field of a contact and its kind: a field added to `Contact` must be added here (the type
 * says so), and its strings counted in `bound`.
 */
const CONTACT_FIELDS = {
  listId: "string",
  contactId: "scalar",
  mobileCountryCode: "scalar",
  mobileNumber: "scalar",
  mobileOptIn: "scalar",
  email: "string",
  emailOptIn: "scalar",
  propertyFields: "properties",
} as const satisfies Record<keyof Contact, Kind>

const PROPERTY_FIELDS = {
  propertyId: "string",
  propertyName: "string",
  propertyValue: "string",
} as const satisfies Record<keyof PropertyField, Kind>

/** The longest JSON text of a number (`-1.2345678901234567e-308`), which also covers true, false and null. */
const LONGEST_SCALAR = 25
/** JSON writes one UTF-16 unit as at most 6 bytes (`\u001f`, or a lone surrogate's `\udc00`). */
const MOST_BYTES_PER_UNIT = 6

/**
 * The most bytes an object's fields take besides their strings' characters: braces, and for each
 * field its quoted name, colon and comma, with its value at its longest (a scalar), or its quotes
 * (a string: "null" is 4 bytes, two quotes 2), or its brackets (the property fields).
 */
const fixedBytes = (fields: Record<string, Kind>) =>
  2 + Object.keys(fields).reduce((sum, name) => sum + name.length + 4 + LONGEST_SCALAR, 0)

const CONTACT_FIXED = fixedBytes(CONTACT_FIELDS)
/** With the comma between two property fields. */
const PROPERTY_FIXED = fixedBytes(PROPERTY_FIELDS) + 1

/**
 * At least the bytes of the contact's JSON text, from its strings' lengths alone (plain field
 * reads, no serialising): a bound, so a batch that fits by it fits for certain.
 */
export const bound = (contact: Contact): number => {
  let units = (contact.listId?.length ?? 0) + (contact.email?.length ?? 0)
  let bytes = CONTACT_FIXED
  const properties = contact.propertyFields
  if (properties != null) {
    bytes += properties.length * PROPERTY_FIXED
    for (let i = 0; i < properties.length; i++) {
      const property = properties[i]!
      units +=
        (property.propertyId?.length ?? 0) +
        (property.propertyName?.length ?? 0) +
        (property.propertyValue?.length ?? 0)
    }
  }
  return bytes + units * MOST_BYTES_PER_UNIT
}

/**
 * The UTF-8 length of a JSON text. `JSON.stringify` escapes lone surrogates, so every surrogate
 * in its output is half of a pair: a 4-byte character.
 */
export const utf8Bytes = (json: string): number => {
  let bytes = json.length
  for (let i = 0; i < json.length; i++) {
    const unit = json.charCodeAt(i)
    if (unit < 0x80) continue
    if (unit < 0x800) bytes += 1
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 2
      i++
    } else bytes += 2
  }
  return bytes
}

/** The bytes of a value's JSON text, as a sink sends it. */
export const jsonBytes = (value: unknown): number => utf8Bytes(JSON.stringify(value))

const exactSizes = new WeakMap<Contact, number>()

/** The bytes of the contact's JSON text, measured once per contact. */
export const exact = (contact: Contact): number => {
  const known = exactSizes.get(contact)
  if (known !== undefined) return known
  const bytes = jsonBytes(contact)
  exactSizes.set(contact, bytes)
  return bytes
}

/**
 * Whether a body made of an envelope (the body with no contacts, `envelopeBytes` long) and these
 * contacts (a comma between two) is at most `limit` bytes: by the bound when it settles it, else
 * measured exactly.
 */
export const fits = (envelopeBytes: number, contacts: ReadonlyArray<Contact>, limit: number): boolean => {
  const commas = Math.max(0, contacts.length - 1)
  let bounded = envelopeBytes + commas
  for (let i = 0; i < contacts.length; i++) bounded += bound(contacts[i]!)
  if (bounded <= limit) return true
  let measured = envelopeBytes + commas
  for (let i = 0; i < contacts.length; i++) measured += exact(contacts[i]!)
  return measured <= limit
}
