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

/**
 * The window is kept in generations: a few insertion-ordered Maps, oldest first, a new one begun
 * every half window. One long-lived Map made the garbage collector promote the rows it held; each
 * generation dies young, with its rows. Why: docs/performance.md, "Batcher: generations".
 */
export const make = (batchSize: number, window: number): Batcher => {
  const generationSize = Math.max(1, Math.ceil(window / 2))
  /** Oldest first; the last one takes new rows. Never empty. */
  let generations: Array<Map<string, Item>> = [new Map()]
  let size = 0

  const remove = (key: string): Item | undefined => {
    for (let g = generations.length - 1; g >= 0; g--) {
      const generation = generations[g]!
      const previous = generation.get(key)
      if (previous !== undefined) {
        generation.delete(key)
        size--
        return previous
      }
    }
    return undefined
  }

  const dropEmptyGenerations = () => {
    let empty = 0
    while (empty < generations.length - 1 && generations[empty]!.size === 0) empty++
    if (empty > 0) generations = generations.slice(empty)
  }

  const cut = (): Cut => {
    const batch: Array<Item> = []
    // The batch's identities, and its keys too: a key equal to some identity only costs a needless wait.
    const taken = new Set<Identity>()
    let blocked: Set<Identity> | undefined
    for (let g = 0; g < generations.length && batch.length < batchSize; g++) {
      const generation = generations[g]!
      for (const item of generation.values()) {
        if (batch.length >= batchSize) break
        const ids = item.ids
        let clash = false
        for (let i = 0; i < ids.length; i++) {
          if (taken.has(ids[i]!) || (blocked !== undefined && blocked.has(ids[i]!))) {
            clash = true
            break
          }
        }
        if (clash) {
          blocked ??= new Set()
          for (let i = 0; i < ids.length; i++) blocked.add(ids[i]!)
          continue
        }
        for (let i = 0; i < ids.length; i++) taken.add(ids[i]!)
        batch.push(item)
        generation.delete(item.key)
      }
    }
    size -= batch.length
    for (let i = 0; i < batch.length; i++) taken.add(batch[i]!.key)
    dropEmptyGenerations()
    return { items: batch, names: taken }
  }

  function* waiting(): IterableIterator<Item> {
    for (const generation of generations) yield* generation.values()
  }

  return {
    add: (item) => {
      const previous = remove(item.key)
      let newest = generations[generations.length - 1]!
      if (newest.size >= generationSize) {
        newest = new Map()
        generations.push(newest)
      }
      newest.set(item.key, item)
      size++
      return previous
    },
    drop: (key) => {
      const previous = remove(key)
      if (previous !== undefined) dropEmptyGenerations()
      return previous
    },
    ready: () => {
      const batches: Array<Cut> = []
      while (size >= window) batches.push(cut())
      return batches
    },
    flush: () => {
      const batches: Array<Cut> = []
      while (size > 0) batches.push(cut())
      return batches
    },
    waiting,
    size: () => size,
  }
}
