/**
 * The contactIds the run's reports gave, each with the row it went to, to tell when a report gives
 * a row the contact an earlier row of another key got: the CRM merged them. Only the most recent
 * `window` contactIds are remembered (two generations of Maps, the older dropped when the newer is
 * full), so memory stays bounded whatever the run's size; two rows further apart are not told.
 */
import { WINDOW } from "./recentEmails.js"

export interface Claimant {
  readonly key: string
  /** Lower-cased and trimmed, as the CRM compares emails. */
  readonly email: string | undefined
}

export interface RecentContacts {
  /** Remembers that `contactId` went to `row`; gives the earlier row of another key that got it. */
  readonly claim: (contactId: number, row: Claimant) => Claimant | undefined
}

export const make = (window: number = WINDOW): RecentContacts => {
  let current = new Map<number, Claimant>()
  let previous = new Map<number, Claimant>()
  return {
    claim: (contactId, row) => {
      const earlier = current.get(contactId) ?? previous.get(contactId)
      if (current.size >= window) {
        previous = current
        current = new Map()
      }
      current.set(contactId, row)
      return earlier !== undefined && earlier.key !== row.key ? earlier : undefined
    },
  }
}
