/**
 * The CRM's matching rule over the contacts a batch may reach: a contact with a `contactId`
 * reaches that contact; otherwise the contact of its list with the same email (any case), else the
 * same mobile number. The index holds each contact in its latest version, so that the contacts of
 * a batch apply in order, each over the results of those before it.
 */
import type { BatchRequest, Contact } from "@brainsync/core"
import { contactListId } from "./validate.js"

/** The key by which a contact of a batch reaches a stored contact. */
export type MatchedBy = "contactId" | "email" | "mobileNumber"

/** The stored contact that a contact of a batch reaches, and by which key. */
export interface StoredMatch {
  readonly contactId: number
  readonly by: MatchedBy
}

/** A row of the SQLite table `contacts`. */
export interface ContactRow {
  id: number
  list_id: string
  email: string | null
  email_lower: string | null
  mobile_country_code: number | null
  mobile_number: number | null
  mobile_opt_in: number | null
  email_opt_in: number | null
  properties: string
  created_at: string
  updated_at: string
}

const emailKey = (listId: string, email: string) => `${listId}\u0000${email.toLowerCase()}`
const mobileKey = (listId: string, code: number, mobile: number) => `${listId}\u0000${code}\u0000${mobile}`

const emailKeyOf = (row: ContactRow) =>
  row.email_lower === null ? undefined : emailKey(row.list_id, row.email_lower)
const mobileKeyOf = (row: ContactRow) =>
  row.mobile_country_code === null || row.mobile_number === null
    ? undefined
    : mobileKey(row.list_id, row.mobile_country_code, row.mobile_number)

/**
 * Contacts by contactId, and by email and by mobile within their list, always in their latest
 * version: a contact of the batch that changed a stored contact is seen changed by the contacts
 * after it (a key the contact no longer has no longer reaches it).
 */
export class ContactIndex {
  readonly byId = new Map<number, ContactRow>()
  /** The mobile numbers whose stored contacts were read. */
  readonly loadedMobiles = new Set<number>()
  /** Mobile numbers a contact was matched by although their stored contacts were not read. */
  readonly unreadMobiles = new Set<number>()
  /** Every contactId that has had the key; `lowest` keeps those that still have it. */
  private readonly idsByEmail = new Map<string, Set<number>>()
  private readonly idsByMobile = new Map<string, Set<number>>()

  add(row: ContactRow) {
    this.byId.set(row.id, row)
    remember(this.idsByEmail, emailKeyOf(row), row.id)
    remember(this.idsByMobile, mobileKeyOf(row), row.id)
  }

  /** The contact with this email key (the lowest contactId when several have it). */
  byEmail(key: string): ContactRow | undefined {
    return this.lowest(this.idsByEmail.get(key), (row) => emailKeyOf(row) === key)
  }

  /** The contact with this mobile key (the lowest contactId when several have it). */
  byMobile(key: string): ContactRow | undefined {
    return this.lowest(this.idsByMobile.get(key), (row) => mobileKeyOf(row) === key)
  }

  private lowest(ids: ReadonlySet<number> | undefined, hasKey: (row: ContactRow) => boolean) {
    let found: ContactRow | undefined
    for (const id of ids ?? []) {
      const row = this.byId.get(id)
      if (row !== undefined && hasKey(row) && (found === undefined || row.id < found.id)) found = row
    }
    return found
  }
}

const remember = (ids: Map<string, Set<number>>, key: string | undefined, id: number) => {
  if (key === undefined) return
  const known = ids.get(key)
  if (known === undefined) ids.set(key, new Set([id]))
  else known.add(id)
}

/** Mobiles matter only for contacts that neither a contactId nor an email matched. */
export const mobilesToMatch = (request: BatchRequest.BatchRequest, index: ContactIndex): Array<number> =>
  request.createUpdateContacts.flatMap((c) =>
    c.mobileNumber != null &&
    c.contactId == null &&
    (c.email == null || index.byEmail(emailKey(contactListId(request, c) ?? "", c.email)) === undefined)
      ? [c.mobileNumber]
      : [],
  )

/** The contact `contact` updates, if any, and by which key. */
export const match = (
  index: ContactIndex,
  contact: Contact.Contact,
  listId: string,
): { readonly row: ContactRow; readonly by: MatchedBy } | undefined => {
  if (contact.contactId != null) {
    const row = index.byId.get(contact.contactId)
    return row && { row, by: "contactId" }
  }
  const byEmail = contact.email != null ? index.byEmail(emailKey(listId, contact.email)) : undefined
  if (byEmail !== undefined) return { row: byEmail, by: "email" }
  if (contact.mobileCountryCode == null || contact.mobileNumber == null) return undefined
  if (!index.loadedMobiles.has(contact.mobileNumber)) index.unreadMobiles.add(contact.mobileNumber)
  const byMobile = index.byMobile(mobileKey(listId, contact.mobileCountryCode, contact.mobileNumber))
  return byMobile && { row: byMobile, by: "mobileNumber" }
}
