import type { Contact } from "../Contact.js"

/**
 * The CRM identities a contact resolves to (the CRM matches by contactId, then email
 * case-insensitively, then country code + mobile): two contacts sharing any of these must not
 * travel in one batch (409) and must be applied in order.
 */
export const identities = (contact: Contact): ReadonlyArray<string> => {
  const ids: Array<string> = []
  if (contact.contactId != null) ids.push(`#${contact.contactId}`)
  if (contact.email != null) ids.push(`@${contact.email.toLowerCase()}`)
  if (contact.mobileNumber != null) ids.push(`+${contact.mobileCountryCode ?? ""} ${contact.mobileNumber}`)
  return ids
}
