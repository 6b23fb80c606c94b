import type { Contact, PropertyField } from "../Contact.js"

/**
 * A stable hash of a contact as it would be sent: fields in a fixed order, property fields
 * sorted, so that the same values always hash the same (cyrb53: 53 bits, fast, not cryptographic;
 * it is only compared with the same key's previous hash).
 *
 * It is the hash of the text `contactId|email|emailOptIn|mobileCountryCode|mobileNumber|
 * mobileOptIn|listId` (absent fields empty), followed, when there are property fields, by `|` and
 * their texts `propertyId\u0001propertyName\u0001propertyValue` sorted and joined by `\u0002`.
 * This runs for every row, so that text is fed to the hash piece by piece, never built.
 */
export const hashContact = (contact: Contact): string => {
  state[0] = 0xdeadbeef
  state[1] = 0x41c6ce57
  feedValue(contact.contactId)
  feedChar(PIPE)
  feedValue(contact.email)
  feedChar(PIPE)
  feedValue(contact.emailOptIn)
  feedChar(PIPE)
  feedValue(contact.mobileCountryCode)
  feedChar(PIPE)
  feedValue(contact.mobileNumber)
  feedChar(PIPE)
  feedValue(contact.mobileOptIn)
  feedChar(PIPE)
  feedValue(contact.listId)
  const properties = contact.propertyFields
  if (properties != null && properties.length > 0) {
    feedChar(PIPE)
    const order = sortedOrder(properties)
    for (let i = 0; i < order.length; i++) {
      if (i > 0) feedChar(0x02)
      const p = properties[order[i]!]!
      feedValue(p.propertyId)
      feedChar(0x01)
      feedValue(p.propertyName)
      feedChar(0x01)
      feedValue(p.propertyValue)
    }
  }
  const h1 = state[0]!
  const h2 = state[1]!
  const a = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  const b = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909)
  return base36(4294967296 * (2097151 & b) + (a >>> 0))
}

const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
const PAIRS = Array.from({ length: 36 * 36 }, (_, i) => DIGITS[Math.floor(i / 36)]! + DIGITS[i % 36]!)

/**
 * `n.toString(36)` for a whole number below 2^53, two digits at a time.
 * Why: docs/performance.md, "Hash: base 36 by digit pairs".
 */
const base36 = (n: number): string => {
  let text = ""
  while (n >= 1296) {
    const q = Math.floor(n / 1296)
    text = PAIRS[n - q * 1296]! + text
    n = q
  }
  return (n >= 36 ? PAIRS[n]! : DIGITS[n]!) + text
}

const PIPE = 0x7c
/** The two 32-bit halves of the running hash. */
const state = new Int32Array(2)

const feedChar = (ch: number): void => {
  state[0] = Math.imul(state[0]! ^ ch, 2654435761)
  state[1] = Math.imul(state[1]! ^ ch, 1597334677)
}

const feed = (text: string): void => {
  let h1 = state[0]!
  let h2 = state[1]!
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  state[0] = h1
  state[1] = h2
}

/** Feeds the text of `${value ?? ""}`. */
const feedValue = (value: string | number | boolean | null | undefined): void => {
  if (value == null) return
  if (typeof value === "string") feed(value)
  else if (typeof value === "number" && Number.isSafeInteger(value)) feedInteger(value)
  else feed(String(value))
}

const digits = new Uint8Array(16)

/** Feeds the decimal text of a safe integer (as `String` writes it) without making the string. */
const feedInteger = (value: number): void => {
  if (value < 0) {
    feedChar(0x2d)
    value = -value
  }
  let n = 0
  do {
    const rest = Math.floor(value / 10)
    digits[n++] = 0x30 + (value - rest * 10)
    value = rest
  } while (value > 0)
  while (n > 0) feedChar(digits[--n]!)
}

// The order found for the last contact: rows of one mapping nearly always have their property
// fields in the same order, so checking that it still sorts them spares a sort per row.
let lastOrder: ReadonlyArray<number> = []

/** Indices of `properties` in the order of their texts (equal texts in any order: the hash is the same). */
const sortedOrder = (properties: ReadonlyArray<PropertyField>): ReadonlyArray<number> => {
  if (lastOrder.length === properties.length && sorts(lastOrder, properties)) return lastOrder
  lastOrder = Array.from(properties.keys()).sort((i, j) => compareProperties(properties[i]!, properties[j]!))
  return lastOrder
}

const sorts = (order: ReadonlyArray<number>, properties: ReadonlyArray<PropertyField>): boolean => {
  for (let i = 1; i < order.length; i++)
    if (compareProperties(properties[order[i - 1]!]!, properties[order[i]!]!) > 0) return false
  return true
}

/** The i-th piece of a property field's text: id, \u0001, name, \u0001, value. */
const piece = (p: PropertyField, i: number): string => {
  switch (i) {
    case 0:
      return p.propertyId ?? ""
    case 2:
      return p.propertyName ?? ""
    case 4:
      return p.propertyValue ?? ""
    default:
      return "\u0001"
  }
}

/** Compares two property fields' texts exactly as the strings would compare, without building them. */
const compareProperties = (p: PropertyField, q: PropertyField): number => {
  let i = 0
  let j = 0
  let a = piece(p, 0)
  let b = piece(q, 0)
  let x = 0
  let y = 0
  for (;;) {
    while (x === a.length && i < 4) {
      a = piece(p, ++i)
      x = 0
    }
    while (y === b.length && j < 4) {
      b = piece(q, ++j)
      y = 0
    }
    const endA = x === a.length
    const endB = y === b.length
    if (endA || endB) return endA === endB ? 0 : endA ? -1 : 1
    const d = a.charCodeAt(x++) - b.charCodeAt(y++)
    if (d !== 0) return d
  }
}
