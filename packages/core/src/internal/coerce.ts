/**
 * Cell coercions of the mapping: plain synchronous functions, called once per cell on the hot
 * path. Each returns the value, `undefined` for "not provided" (empty cells), or an `Invalid`
 * that says why the cell cannot be used.
 */
import * as InvisibleCharacters from "./invisibleCharacters.js"

export class Invalid {
  constructor(readonly reason: string) {}
}

/** Trimmed text; empty or missing means "not provided". */
export const text = (value: unknown): string | undefined | Invalid => {
  if (typeof value === "string") {
    const trimmed = value.trim()
    return trimmed === "" ? undefined : trimmed
  }
  if (value === undefined || value === null) return undefined
  if (typeof value === "number")
    return Number.isFinite(value) ? String(value) : new Invalid("must be a finite number")
  if (typeof value === "boolean" || typeof value === "bigint") return String(value)
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? new Invalid("is an invalid date") : value.toISOString()
  return new Invalid("must be text, a number or a boolean")
}

const TRUE = new Set(["true", "yes", "1", "y"])
const FALSE = new Set(["false", "no", "0", "n"])
const booleanReason = "must be one of true/false, yes/no, y/n, 1/0"

export const boolean = (value: unknown): boolean | undefined | Invalid => {
  if (typeof value === "boolean") return value
  if (typeof value === "number") return value === 1 ? true : value === 0 ? false : new Invalid(booleanReason)
  const cell = text(value)
  if (cell === undefined || cell instanceof Invalid) return cell
  if (cell === "true") return true
  if (cell === "false") return false
  const lower = cell.toLowerCase()
  if (TRUE.has(lower)) return true
  if (FALSE.has(lower)) return false
  return new Invalid(booleanReason)
}

// Deliberately permissive (the CRM is the judge of deliverability): one @, no spaces, a dot in the domain.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/

/**
 * An email address. One with a character a reader cannot see (a zero-width space, a direction
 * override) is refused, naming it: it would look like another address, or like a valid one.
 */
export const email = (value: unknown): string | undefined | Invalid => {
  const cell = text(value)
  if (cell === undefined || cell instanceof Invalid) return cell
  const hidden = InvisibleCharacters.find(cell)
  if (hidden !== undefined) return new Invalid(`contains ${InvisibleCharacters.describe(hidden)}`)
  return EMAIL.test(cell) ? cell : new Invalid("is not an email address")
}

const INTEGER = /^[+-]?\d+$/
const safeRangeMessage = `must be a whole number within ±${Number.MAX_SAFE_INTEGER}`

/**
 * A CRM contactId: a positive int64, parsed from text without going through a double (see
 * `Int64.parseInt64Text`); `parse` is that function, passed in so this file has no contract import cycle.
 * `0` and negative numbers are refused: the CRM numbers contacts from 1.
 */
export const contactId =
  (parse: (text: string) => number | string) =>
  (value: unknown): number | undefined | Invalid => {
    if (typeof value === "number")
      return Number.isSafeInteger(value) ? positive(value) : new Invalid(safeRangeMessage)
    if (typeof value === "bigint") return positive(fromParsed(parse(String(value))))
    const cell = text(value)
    if (cell === undefined || cell instanceof Invalid) return cell
    return positive(fromParsed(parseWhole(parse, cell)))
  }

const positive = (value: number | Invalid): number | Invalid =>
  value instanceof Invalid || value >= 1 ? value : new Invalid(contactIdReason)
const contactIdReason = "must be a positive whole number (the CRM numbers contacts from 1)"

/** The value of 1 to 15 digits (always within ±(2^53 − 1)), or -1 for any other text. */
const shortDigits = (text: string): number => {
  if (text.length === 0 || text.length > 15) return -1
  let value = 0
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 0x30
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

/** Short numbers directly, others through `parse` (without a double, via BigInt). */
const parseWhole = (parse: (text: string) => number | string, text: string) => {
  const short = shortDigits(text)
  return short === -1 ? parse(text) : short
}

const fromParsed = (parsed: number | string): number | Invalid =>
  typeof parsed === "number" ? parsed : new Invalid(parsed)

const PHONE_PUNCTUATION = /[\s\-().]/g

/** A mobile number given in its own column: digits, with spaces, dashes, dots or brackets allowed. */
export const mobileNumber =
  (parse: (text: string) => number | string) =>
  (value: unknown): number | undefined | Invalid => {
    if (typeof value === "number")
      return Number.isSafeInteger(value) && value > 0 ? value : new Invalid("must be a phone number (digits)")
    const cell = text(value)
    if (cell === undefined || cell instanceof Invalid) return cell
    const short = shortDigits(cell)
    if (short > 0) return short
    const digits = cell.replace(PHONE_PUNCTUATION, "")
    if (!INTEGER.test(digits) || digits.startsWith("-") || digits.startsWith("+"))
      return new Invalid("must be a phone number (digits)")
    const parsed = parseWhole(parse, digits)
    if (typeof parsed === "string") return new Invalid(parsed)
    return parsed > 0 ? parsed : new Invalid("must be a phone number (digits)")
  }

/** A country calling code: `44` or `+44`. */
export const countryCode = (value: unknown): number | undefined | Invalid => {
  if (typeof value === "number")
    return Number.isInteger(value) && value >= 1 && value <= 999 ? value : new Invalid(countryCodeReason)
  const cell = text(value)
  if (cell === undefined || cell instanceof Invalid) return cell
  const digits = cell.startsWith("+") ? cell.slice(1) : cell
  const code = digits.length <= 3 ? shortDigits(digits) : -1
  return code >= 1 ? code : new Invalid(countryCodeReason)
}
const countryCodeReason = "must be a country calling code (1 to 999, with or without +)"

/** The longest property value the CRM stores. */
export const MAX_PROPERTY_LENGTH = 4000
