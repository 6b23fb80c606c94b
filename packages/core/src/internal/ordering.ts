/**
 * Keeps the order of rows per sync key and per CRM identity across batches in flight: a batch
 * waits for every earlier batch still in flight that shares a key or an identity with it to be
 * through (each of its rows accepted by a 202, rejected or failed) before it is sent. Each batch
 * brings the set of its keys and identities (built while it was cut), so the check is a few Set
 * lookups per row against the handful of batches in flight, with no per-row bookkeeping to undo.
 *
 * Batches register when a sender takes them, not when they are formed (formed batches wait in
 * `OpenBatches.unsent` and the send pool's buffer, and are not checked against), but strictly in
 * the order they were formed: `register` for batch n waits until batch n − 1 has registered.
 */
import { Deferred, Effect, Exit, FiberId } from "effect"
import type { Cut } from "./batcher.js"

export interface Ordering {
  /** Registers batch `seq` (numbered from 1 in the order formed) once every earlier one has; then wait with `awaitTurn`. */
  readonly register: (seq: number, cut: Cut) => Effect.Effect<Ticket>
  readonly release: (ticket: Ticket) => void
}

export interface Ticket {
  readonly after: ReadonlyArray<Deferred.Deferred<void>>
  readonly done: Deferred.Deferred<void>
  readonly cut: Cut
}

export const make = (): Ordering => {
  // An array, not a Set: a long-lived Set with an add and a delete per batch kept old batches
  // reachable through its replaced hash tables (see `OpenBatches`); it holds at most a few tickets.
  const inFlight: Array<Ticket> = []
  const gates = new Map<number, Deferred.Deferred<void>>()
  let next = 1

  const enroll = (cut: Cut): Ticket => {
    const after: Array<Deferred.Deferred<void>> = []
    for (const earlier of inFlight) {
      const names = earlier.cut.names
      for (const name of cut.names)
        if (names.has(name)) {
          after.push(earlier.done)
          break
        }
    }
    const ticket: Ticket = { after, done: Deferred.unsafeMake<void>(FiberId.none), cut }
    inFlight.push(ticket)
    return ticket
  }

  const inTurn = (seq: number, cut: Cut): Ticket => {
    const ticket = enroll(cut)
    next = seq + 1
    const gate = gates.get(next)
    if (gate !== undefined) {
      gates.delete(next)
      Deferred.unsafeDone(gate, Exit.void)
    }
    return ticket
  }

  return {
    register: (seq, cut) =>
      Effect.suspend(() => {
        if (seq === next) return Effect.succeed(inTurn(seq, cut))
        const gate = Deferred.unsafeMake<void>(FiberId.none)
        gates.set(seq, gate)
        return Effect.map(Deferred.await(gate), () => inTurn(seq, cut))
      }),
    release: (ticket) => {
      const index = inFlight.indexOf(ticket)
      if (index >= 0) inFlight.splice(index, 1)
      Deferred.unsafeDone(ticket.done, Exit.void)
    },
  }
}

export const awaitTurn = (ticket: Ticket): Effect.Effect<void> =>
  ticket.after.length === 0 ? Effect.void : Effect.forEach(ticket.after, Deferred.await, { discard: true })
