import type { Contact } from "../Contact.js"

/**
 * A stable hash of a contact as it would be sent: fields in a fixed order, property fields
 * sorted, so that the same values always hash the same (cyrb53: 53 bits, fast, not cryptographic;
 * it is only compared with the same key's previous hash).
 */
export const hashContact = (contact: Contact): string => {
  let text = `${contact.contactId ?? ""}|${contact.email ?? ""}|${contact.emailOptIn ?? ""}|${contact.mobileCountryCode ?? ""}|${contact.mobileNumber ?? ""}|${contact.mobileOptIn ?? ""}|${contact.listId ?? ""}`
  const properties = contact.propertyFields
  if (properties != null && properties.length > 0) {
    const parts = properties.map(
      (p) => `${p.propertyId ?? ""}\u0001${p.propertyName ?? ""}\u0001${p.propertyValue ?? ""}`,
    )
    parts.sort()
    text += `|${parts.join("\u0002")}`
  }
  return cyrb53(text)
}

const cyrb53 = (text: string): string => {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)
}
