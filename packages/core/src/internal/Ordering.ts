/**
 * Keeps the order of rows per sync key and per CRM identity across batches in flight: a batch
 * waits for every earlier batch that shares a key or an identity with it to settle (202 or
 * failed) before it is sent. Only batches in flight are remembered, so memory stays bounded.
 */
import { Deferred, Effect, Exit, FiberId } from "effect"
import type { Item } from "./Batcher.js"

export interface Ordering {
  /** Call in the order batches are formed. Returns what the batch must wait for and its own signal. */
  readonly register: (items: ReadonlyArray<Item>) => Ticket
  readonly release: (ticket: Ticket) => void
}

export interface Ticket {
  readonly after: ReadonlyArray<Deferred.Deferred<void>>
  readonly done: Deferred.Deferred<void>
  readonly names: ReadonlyArray<string>
}

export const make = (): Ordering => {
  const latest = new Map<string, Deferred.Deferred<void>>()
  return {
    register: (items) => {
      const done = Deferred.unsafeMake<void>(FiberId.none)
      const after = new Set<Deferred.Deferred<void>>()
      const names: Array<string> = []
      const claim = (name: string) => {
        const previous = latest.get(name)
        if (previous !== undefined) after.add(previous)
        latest.set(name, done)
        names.push(name)
      }
      for (const item of items) {
        claim(`=${item.key}`)
        for (const id of item.ids) claim(id)
      }
      return { after: [...after], done, names }
    },
    release: (ticket) => {
      Deferred.unsafeDone(ticket.done, Exit.void)
      for (const name of ticket.names) if (latest.get(name) === ticket.done) latest.delete(name)
    },
  }
}

export const awaitTurn = (ticket: Ticket): Effect.Effect<void> =>
  ticket.after.length === 0 ? Effect.void : Effect.forEach(ticket.after, Deferred.await, { discard: true })
