/**
 * Open batches: every batch from the moment it is formed until each of its rows has its outcome.
 * Forming numbers a cut (from 1, in the order formed), notes `BatchFormed` and queues the batch in
 * `unsent` for the senders; `inTurn` sends a batch once the earlier batches in flight that share a
 * key or an identity with it are through (see `Ordering`); `open` lists the batches a stop must
 * still settle.
 */
import { Effect } from "effect"
import type { SyncEvent } from "../SyncEvent.js"
import type { Cut } from "./batcher.js"
import * as Ordering from "./ordering.js"

export interface Batch {
  readonly seq: number
  readonly cut: Cut
}

export interface OpenBatches {
  /** Forms a batch of each cut, in order: numbered, tracked, noted and queued in `unsent`. */
  readonly form: (cuts: Array<Cut>) => void
  /** Batches formed and not yet taken by the senders, oldest first (the send pool drains it). */
  readonly unsent: Array<Batch>
  /**
   * Runs `send` for `batch` in its turn: after every earlier batch in flight that shares a key or
   * an identity with it is through (its `send` ended, in success or failure).
   */
  readonly inTurn: <A, E>(batch: Batch, send: (batch: Batch) => Effect.Effect<A, E>) => Effect.Effect<A, E>
  /** Batches formed whose rows may not all have an outcome yet, oldest first: what a stop settles. */
  readonly open: () => ReadonlyArray<Batch>
}

/** The batches in flight at the default concurrency: `open` is compacted once it doubles past this. */
const COMPACT_FROM = 8

export const make = (note: (event: SyncEvent) => void): OpenBatches => {
  const ordering = Ordering.make()
  const unsent: Array<Batch> = []
  // An array compacted in place, so that a settled batch's rows are not kept alive long. Not a
  // Map with a set and a delete per batch, nor a new array per compaction: once in the old
  // generation, a replaced hash table or array still pointed to its batches, and the scavenger
  // kept (and promoted) every row they held.
  const open: Array<Batch> = []
  let compactAt = COMPACT_FROM
  let seq = 0

  const track = (batch: Batch) => {
    open.push(batch)
    if (open.length < compactAt) return
    let kept = 0
    for (const formed of open) if (!formed.cut.items.every((item) => item.done)) open[kept++] = formed
    open.length = kept
    compactAt = Math.max(COMPACT_FROM, kept * 2)
  }

  const form = (cuts: Array<Cut>): void => {
    for (const cut of cuts) {
      const batch: Batch = { seq: ++seq, cut }
      track(batch)
      unsent.push(batch)
      note({ _tag: "BatchFormed", batch: batch.seq, size: cut.items.length })
    }
  }

  // Built from combinators, not `Effect.gen`: a generator per batch kept the batch's rows
  // reachable after it was done (see `Deliver.send`).
  const inTurn = <A, E>(batch: Batch, send: (batch: Batch) => Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.flatMap(ordering.register(batch.seq, batch.cut), (ticket) =>
      Ordering.awaitTurn(ticket).pipe(
        Effect.zipRight(send(batch)),
        // Not `Effect.ensuring` (an uninterruptible region per batch); an interruption skips the
        // release, but it only comes when the whole run is stopping.
        Effect.matchCauseEffect({
          onFailure: (cause) => {
            ordering.release(ticket)
            return Effect.failCause(cause)
          },
          onSuccess: (value) => {
            ordering.release(ticket)
            return Effect.succeed(value)
          },
        }),
      ),
    )

  return { form, unsent, inTurn, open: () => open }
}
