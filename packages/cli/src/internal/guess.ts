/**
 * `brainsync init`'s guess of a mapping from a CSV file's columns and first rows, with the reason
 * for each choice. The email is the contact's identity first: an email column always feeds
 * `fields.email`, and is also the sync key when no column looks like a key (core then compares
 * such keys lowercased and trimmed). A column of ISO country codes feeds `fields.phoneCountry`.
 * Every column no field takes becomes a CRM property.
 */
import { isSupportedCountry } from "libphonenumber-js"

export type Row = Readonly<Record<string, string>>

export interface Choice {
  /** A contact field (`email`), or `key`. */
  readonly field: string
  readonly column: string
  /** Why this column, in a few words. */
  readonly why: string
}

export interface Guess {
  readonly key: Choice
  /** Contact field ← column, in the order a configuration lists them. */
  readonly fields: ReadonlyArray<Choice>
  /** CRM property name ← column. */
  readonly properties: ReadonlyArray<readonly [name: string, column: string]>
}

const patterns = {
  emailOptIn: [/newsletter|e-?mail.*opt|subscri|marketing/i],
  mobileOptIn: [/sms|mobile.*opt|phone.*opt|text.*opt/i],
  contactId: [/^(mainbrainer|crm)[_ -]?(contact[_ -]?)?id$/i],
  email: [/^e-?mail$/i, /e-?mail/i],
  phone: [/^(phone|mobile|cell)$/i, /phone|mobile|cell/i],
  key: [
    /^(external[_ -]?id|customer[_ -]?(id|no|number)|contact[_ -]?key|uuid|guid|key|id)$/i,
    /(^|[\s_.-])id$/i,
    /[a-z]Id$/,
  ],
  country: [/^(country|country[_ -]?code|cc|iso[_ -]?country)$/i, /country/i],
} as const

const fieldOrder = ["contactId", "email", "phone", "phoneCountry", "mobileOptIn", "emailOptIn"]

/** `first_name` → `First Name`. */
export const propertyName = (column: string) =>
  column
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .split(/[\s_-]+/)
    .filter((word) => word !== "")
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(" ")

const quoted = (values: ReadonlyArray<string>, most = 3) =>
  values.slice(0, most).join(", ") + (values.length > most ? ", …" : "")

const filled = (rows: ReadonlyArray<Row>, column: string) =>
  rows.map((row) => (row[column] ?? "").trim()).filter((value) => value !== "")

/** Whether the sampled values of `column` can tell rows apart: all filled and distinct. */
const distinct = (rows: ReadonlyArray<Row>, column: string) => {
  const values = filled(rows, column)
  return values.length === rows.length && new Set(values).size === values.length
}

/** An ISO 3166 alpha-2 code a phone number can be read in (core takes it in any case). */
const isCountryCode = (value: string) =>
  /^[A-Za-z]{2}$/.test(value) && isSupportedCountry(value.toUpperCase())

export const guess = (columns: ReadonlyArray<string>, rows: ReadonlyArray<Row>): Guess => {
  const taken = new Set<string>()
  const find = (candidates: ReadonlyArray<RegExp>, fits: (column: string) => boolean = () => true) => {
    for (const pattern of candidates) {
      const found = columns.find((column) => !taken.has(column) && pattern.test(column) && fits(column))
      if (found !== undefined) return found
    }
    return undefined
  }
  const fields: Array<Choice> = []
  const take = (field: string, column: string | undefined, why: string) => {
    if (column === undefined) return
    taken.add(column)
    fields.push({ field, column, why })
  }
  const byName = "its name says so"
  // Opt-ins first: "Email Opt-In" names an email, but holds a yes or no.
  take("emailOptIn", find(patterns.emailOptIn), byName)
  take("mobileOptIn", find(patterns.mobileOptIn), byName)
  take("contactId", find(patterns.contactId), "its name says it holds the CRM's contact ids")
  take("email", find(patterns.email), byName)
  take("phone", find(patterns.phone), byName)

  const email = fields.find((choice) => choice.field === "email")?.column
  const phone = fields.find((choice) => choice.field === "phone")?.column
  const keyColumn = find(patterns.key, (column) => rows.length === 0 || distinct(rows, column))
  const key: Choice =
    keyColumn !== undefined
      ? {
          field: "key",
          column: keyColumn,
          why:
            rows.length === 0
              ? "its name says it identifies a row"
              : `its name says it identifies a row, and its first ${rows.length} values are filled and distinct`,
        }
      : email !== undefined
        ? {
            field: "key",
            column: email,
            why: "no column looks like an id (id, external_id, customer_id, …): the email identifies a row",
          }
        : phone !== undefined
          ? {
              field: "key",
              column: phone,
              why: "no column looks like an id, and there is no email: the phone",
            }
          : {
              field: "key",
              column: columns[0]!,
              why: "no column looks like an id, an email or a phone: the first column (check that it identifies a row)",
            }
  if (keyColumn !== undefined || (email === undefined && phone === undefined)) taken.add(key.column)

  if (phone !== undefined) {
    const country = find(patterns.country, (column) => {
      const values = filled(rows, column)
      return values.length > 0 && values.every(isCountryCode)
    })
    // Not taken: the column also stays a property.
    if (country !== undefined)
      fields.push({
        field: "phoneCountry",
        column: country,
        why: `its first values are ISO country codes (${quoted([...new Set(filled(rows, country))])}): national phone numbers are read in each row's country`,
      })
  }
  fields.sort((a, b) => fieldOrder.indexOf(a.field) - fieldOrder.indexOf(b.field))
  const properties = columns
    .filter((column) => !taken.has(column))
    .map((column) => [propertyName(column), column] as const)
  return { key, fields, properties }
}
