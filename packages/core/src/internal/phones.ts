/**
 * A row's mobile number from the mapping's phone columns: one column (`fields.phone`, E.164 or
 * national) parsed by libphonenumber-js, or the number and country code in two columns. A national
 * number is read in the row's country (`fields.phoneCountry`) or the mapping's `defaultCountry`;
 * the row's country is read only then, so a country cell a row does not need cannot reject it.
 */
import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js"
import type { CountryCode } from "libphonenumber-js"
import { parseInt64Text } from "../Int64.js"
import type { Config } from "../Mapping.js"
import type { SourceRow } from "../SourceRow.js"
import * as Coerce from "./coerce.js"
import * as Columns from "./columns.js"

/** A mobile number as the CRM takes it. */
export interface Mobile {
  readonly code: number
  readonly number: number
}

/** Why a row's phone columns give no mobile number. */
export interface Refused {
  readonly field: string
  readonly reason: string
}

export const countryOf = (text: string): CountryCode | undefined => {
  const code = text.toUpperCase()
  return isSupportedCountry(code) ? code : undefined
}

/** The function that reads a row's mobile number: `undefined` when the row has none. */
export const compile = (config: Config): ((cells: SourceRow["fields"]) => Mobile | Refused | undefined) => {
  const fields = config.fields ?? {}
  const read = (column: string | undefined) => (column === undefined ? undefined : Columns.reader(column))
  const phone = read(fields.phone)
  const mobileNumber = read(fields.mobileNumber)
  const mobileCountryCode = read(fields.mobileCountryCode)
  const phoneCountry = read(fields.phoneCountry)
  const mobileDigits = Coerce.mobileNumber(parseInt64Text)
  const defaultCountry = config.defaultCountry === undefined ? undefined : countryOf(config.defaultCountry)

  /** The row's country, else the default; `Refused` when the row names one that is not a country. */
  const countryFor = (cells: SourceRow["fields"]): CountryCode | Refused | undefined => {
    if (phoneCountry === undefined) return defaultCountry
    const value = Coerce.text(phoneCountry(cells))
    if (value instanceof Coerce.Invalid) return { field: "phoneCountry", reason: value.reason }
    if (value === undefined) return defaultCountry
    return (
      countryOf(value) ?? {
        field: "phoneCountry",
        reason: `"${value}" is not an ISO 3166 country code (like FR, DE, US)`,
      }
    )
  }

  const fromPhone = (cells: SourceRow["fields"], read: (cells: SourceRow["fields"]) => unknown) => {
    const value = Coerce.text(read(cells))
    if (value instanceof Coerce.Invalid) return { field: "phone", reason: value.reason }
    if (value === undefined) return undefined
    const international = value.startsWith("+")
    const country = international ? undefined : countryFor(cells)
    if (typeof country === "object") return country
    const parsed = parsePhoneNumberFromString(value, country)
    if (parsed === undefined || !parsed.isValid())
      return {
        field: "phone",
        reason:
          country === undefined && !international
            ? "is not a valid phone number (national numbers need defaultCountry or fields.phoneCountry in the mapping; or write it as +<country code> <number>)"
            : `is not a valid phone number${country === undefined ? "" : ` in ${country}`}`,
      }
    return { code: Number(parsed.countryCallingCode), number: Number(parsed.nationalNumber) }
  }

  const fromColumns = (cells: SourceRow["fields"], read: (cells: SourceRow["fields"]) => unknown) => {
    const value = mobileDigits(read(cells))
    if (value instanceof Coerce.Invalid) return { field: "mobileNumber", reason: value.reason }
    if (value === undefined) return undefined
    const given = mobileCountryCode === undefined ? undefined : Coerce.countryCode(mobileCountryCode(cells))
    if (given instanceof Coerce.Invalid) return { field: "mobileCountryCode", reason: given.reason }
    if (given !== undefined) return { code: given, number: value }
    const country = countryFor(cells)
    if (typeof country === "object") return country
    if (country === undefined)
      return {
        field: "mobileCountryCode",
        reason:
          "is empty, and the mapping has no defaultCountry (the CRM needs both country code and number)",
      }
    return { code: Number(getCountryCallingCode(country)), number: value }
  }

  if (phone !== undefined) return (cells) => fromPhone(cells, phone)
  if (mobileNumber !== undefined) return (cells) => fromColumns(cells, mobileNumber)
  return () => undefined
}
