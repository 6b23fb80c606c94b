/**
 * Dedupe and batching, as a synchronous state machine fed chunk by chunk.
 *
 * Rows wait in a window of at most `window` rows (insertion-ordered, one per sync key). A row
 * whose key is already waiting replaces it (last wins; the earlier row ends `superseded`).
 * When the window is full, a batch is cut from its oldest rows. So "last wins" is exact for
 * duplicates less than `window` rows apart; a duplicate further apart is sent in a later batch,
 * after the earlier one's batch has settled (see `Ordering`), so the CRM still ends with the last
 * row's values. Memory stays bounded by the window, whatever the source's size.
 *
 * A batch never holds two rows that share a CRM identity (contactId, email, mobile): the later
 * one stays waiting for the next batch, and so does every later row sharing an identity with a
 * row left waiting, so the order per identity is kept.
 */
import type { Contact } from "../Contact.js"
import type { Identity } from "./identity.js"

export interface Item {
  readonly position: string
  readonly key: string
  /** The contact as mapped: what `hash` is computed from and what the ledger records. */
  readonly mapped: Contact
  /** The contact as sent (with a contactId learned from the ledger, when there is one). */
  contact: Contact
  ids: ReadonlyArray<Identity>
  /** Stable hash of the mapped contact, for the ledger; empty when there is no ledger. */
  readonly hash: string
  /** Set on 202: a stop after it leaves the row `accepted`, not `failed`. */
  accepted: boolean
  /** Set when the row has had its terminal event. */
  done: boolean
}

/** A batch as cut: its rows, and every sync key and identity they carry (to order batches in flight). */
export interface Cut {
  readonly items: Array<Item>
  readonly names: ReadonlySet<Identity>
}

export interface Batcher {
  /** Adds a row; returns the row it superseded, if any. */
  readonly add: (item: Item) => Item | undefined
  /** Drops a waiting row with this key (a later row with the key was found unchanged); returns it. */
  readonly drop: (key: string) => Item | undefined
  /** Cuts the batches that a full window makes ready. */
  readonly ready: () => Array<Cut>
  /** Cuts every waiting row into batches (end of source, or idle). */
  readonly flush: () => Array<Cut>
  readonly waiting: () => IterableIterator<Item>
  readonly size: () => number
}

export const make = (batchSize: number, window: number): Batcher => {
  const pending = new Map<string, Item>()
  const blocked = new Set<Identity>()

  const cut = (): Cut => {
    const batch: Array<Item> = []
    // The batch's identities, and its keys too: a key equal to some identity only costs a needless wait.
    const taken = new Set<Identity>()
    blocked.clear()
    for (const item of pending.values()) {
      if (batch.length >= batchSize) break
      const ids = item.ids
      let clash = false
      for (let i = 0; i < ids.length; i++) {
        if (taken.has(ids[i]!) || (blocked.size > 0 && blocked.has(ids[i]!))) {
          clash = true
          break
        }
      }
      if (clash) {
        for (let i = 0; i < ids.length; i++) blocked.add(ids[i]!)
        continue
      }
      for (let i = 0; i < ids.length; i++) taken.add(ids[i]!)
      batch.push(item)
    }
    for (let i = 0; i < batch.length; i++) {
      const key = batch[i]!.key
      pending.delete(key)
      taken.add(key)
    }
    return { items: batch, names: taken }
  }

  return {
    add: (item) => {
      const previous = pending.get(item.key)
      if (previous !== undefined) pending.delete(item.key)
      pending.set(item.key, item)
      return previous
    },
    drop: (key) => {
      const previous = pending.get(key)
      if (previous !== undefined) pending.delete(key)
      return previous
    },
    ready: () => {
      const batches: Array<Cut> = []
      while (pending.size >= window) batches.push(cut())
      return batches
    },
    flush: () => {
      const batches: Array<Cut> = []
      while (pending.size > 0) batches.push(cut())
      return batches
    },
    waiting: () => pending.values(),
    size: () => pending.size,
  }
}
