import type { Contact } from "../Contact.js"

/**
 * One CRM identity of a contact. Numbers and strings are cheap Set/Map keys; the encodings cannot
 * collide: a contactId is a negative number, a mobile a non-negative number (country code × 10^12
 * + number) or, for a number too long for that, a string with a space, an email a lowercased
 * string with an `@` and no space.
 */
export type Identity = string | number

const MOBILE_SPLIT = 1e12

/**
 * The CRM identities a contact resolves to (the CRM matches by contactId, then email
 * case-insensitively, then country code + mobile): two contacts sharing any of these must not
 * travel in one batch (409) and must be applied in order.
 */
export const identities = (contact: Contact): Array<Identity> => {
  const contactId = contact.contactId
  const email = contact.email
  const number = contact.mobileNumber
  // Sized up front: an empty array grows to 17 slots on its first push, and this runs per row.
  const ids = new Array<Identity>(
    (contactId != null ? 1 : 0) + (email != null ? 1 : 0) + (number != null ? 1 : 0),
  )
  let n = 0
  if (contactId != null) ids[n++] = -1 - contactId
  if (email != null) ids[n++] = email.toLowerCase()
  if (number != null) {
    const code = contact.mobileCountryCode ?? 0
    ids[n++] =
      number >= 0 && number < MOBILE_SPLIT && code >= 0 && code < 1000
        ? code * MOBILE_SPLIT + number
        : `${code} ${number}`
  }
  return ids
}

/**
 * A 53-bit fingerprint of a string (cyrb53): a number, so that a run can remember every email it
 * saw in a `Map` of numbers, without keeping the strings.
 */
export const fingerprint = (text: string): number => {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/**
 * Remembers, for each email of the run (as the CRM compares them), the key of its first row:
 * `merges` tells whether a row's email was first seen under another key. Keys are remembered as
 * fingerprints too (about 50 bytes a distinct email in all).
 */
export const emailsOfRun = () => {
  const keys = new Map<number, number>()
  return {
    merges: (email: string, key: string): boolean => {
      const id = fingerprint(email.trim().toLowerCase())
      const keyId = fingerprint(key)
      const first = keys.get(id)
      if (first === undefined) keys.set(id, keyId)
      return first !== undefined && first !== keyId
    },
  }
}
