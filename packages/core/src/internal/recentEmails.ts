/**
 * Rows whose sync keys differ but whose email is the same (as the CRM compares emails: ignoring
 * case) reach one CRM contact. To tell them without memory that grows with the run, the emails of
 * recent rows are remembered as 52-bit fingerprints, with the fingerprint of their first key, in
 * two generations of fixed typed-array hash tables: each takes `window` emails, then the older is
 * cleared and the two swap. Two rows of one email further apart than that are not told.
 * Why: docs/performance.md, "Merges by email".
 */

/** Distinct emails a generation holds. */
export const WINDOW = 100_000

/** cyrb53 of `text`, ASCII letters folded to lower case when `fold`; 0 is kept for "empty slot". */
const fingerprint = (text: string, fold: boolean): number => {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i)
    if (fold && c >= 65 && c <= 90) c += 32
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0) || 1
}

interface Table {
  readonly emails: Float64Array
  readonly keys: Float64Array
  size: number
}

const table = (slots: number): Table => ({
  emails: new Float64Array(slots),
  keys: new Float64Array(slots),
  size: 0,
})

/** The slot of `email` in `t`: where it is, or the empty one where it would go (linear probing). */
const slotOf = (t: Table, email: number): number => {
  const mask = t.emails.length - 1
  let slot = email & mask
  while (t.emails[slot] !== 0 && t.emails[slot] !== email) slot = (slot + 1) & mask
  return slot
}

export const make = (window: number = WINDOW) => {
  // At most half full, a power of two.
  const slots = 2 ** Math.ceil(Math.log2(window * 2))
  let current = table(slots)
  let previous = table(slots)
  return {
    /** Remembers the row's email; true when it was first seen (recently) under another key. */
    merges: (email: string, key: string): boolean => {
      const id = fingerprint(email, true)
      let slot = slotOf(current, id)
      let first = current.emails[slot] === 0 ? undefined : current.keys[slot]
      if (first === undefined) {
        const older = slotOf(previous, id)
        if (previous.emails[older] !== 0) first = previous.keys[older]
      }
      const keyId = fingerprint(key, false)
      if (first !== undefined) return first !== keyId
      if (current.size >= window) {
        const emptied = previous
        emptied.emails.fill(0)
        emptied.size = 0
        previous = current
        current = emptied
        slot = slotOf(current, id)
      }
      current.emails[slot] = id
      current.keys[slot] = keyId
      current.size++
      return false
    },
  }
}
