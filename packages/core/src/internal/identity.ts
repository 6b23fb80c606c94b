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
