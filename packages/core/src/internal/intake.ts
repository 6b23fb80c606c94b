/**
 * Intake: the source pulled chunk by chunk into admission, and the one rule that cuts batches
 * from the dedupe window: by count (after each chunk, the batches a full window makes ready), by
 * time (when the source gave no rows for `flushAfter`, everything waiting), and everything left at
 * the end. Formed batches go to the senders in the order they were formed; at the end the
 * senders are closed.
 */
import { Chunk, Deferred, Duration, Effect, Exit, FiberId, Option, Stream } from "effect"
import type { Entry } from "../Ledger.js"
import type { SourceRow } from "../SourceRow.js"
import type { Admission } from "./admission.js"
import { messageOf } from "../SyncError.js"
import { Fatal } from "./deliver.js"
import type { Batch, OpenBatches } from "./openBatches.js"
import type { Pool } from "./pool.js"

export interface Config<E, R> {
  readonly source: Stream.Stream<SourceRow, E, R>
  readonly flushAfter: Duration.DurationInput
  readonly admission: Admission
  readonly batches: OpenBatches
  readonly senders: Pick<Pool<Batch, Fatal>, "drain" | "close">
  /** The ledger's entries for a chunk's keys; undefined without a ledger. */
  readonly lookup:
    ((keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, Entry>, Fatal>) | undefined
  /** Gives the listener the events noted so far, then succeeds with `value`. */
  readonly flushNoted: <A>(value: A) => Effect.Effect<A>
  readonly guard: Guard
}

/** Checks that stop the run: before a chunk is mapped (nothing of it is read then), and after it was admitted. */
export interface Guard {
  readonly before: (rows: ReadonlyArray<SourceRow>) => Fatal | undefined
  readonly after: () => Fatal | undefined
}

/**
 * Reads the source to its end, then forms the last batches and closes the senders. Fails with
 * `SourceFailed` when the source does, and with whatever the ledger lookup fails with.
 */
export const run = <E, R>(config: Config<E, R>): Effect.Effect<void, Fatal, R> =>
  Effect.suspend(() => {
    const { admission, batches, senders, lookup, flushNoted, guard } = config
    let rowsSinceTick = 0

    const formFull = (): Effect.Effect<void, Fatal> => {
      batches.form(admission.cutFull())
      const stop = guard.after()
      return stop === undefined
        ? flushNoted(undefined)
        : Effect.zipRight(flushNoted(undefined), Effect.fail(stop))
    }

    /** Admits a chunk and forms the batches it makes ready (into `batches.unsent`). */
    const take = (chunk: Chunk.Chunk<SourceRow>): Effect.Effect<void, Fatal> =>
      Effect.suspend(() => {
        if (chunk.length === 0) return Effect.void
        const refused = guard.before(Chunk.toReadonlyArray(chunk))
        if (refused !== undefined) return Effect.fail(refused)
        rowsSinceTick += chunk.length
        const rows = admission.map(chunk)
        if (lookup === undefined || rows.length === 0) {
          admission.admit(rows, undefined)
          return formFull()
        }
        admission.hold(rows)
        const keys = rows.map((row) => row.key)
        return Effect.flatMap(Effect.flatMap(flushNoted(keys), lookup), (known) => {
          admission.admit(rows, known)
          return formFull()
        })
      })

    const tick = Effect.suspend(() => {
      const idle = rowsSinceTick === 0
      rowsSinceTick = 0
      if (idle && admission.waiting() > 0) batches.form(admission.cutAll())
      return flushNoted(undefined)
    })

    const end = Effect.suspend(() => {
      batches.form(admission.cutAll())
      return flushNoted(undefined)
    })

    // The source is read chunk by chunk straight into `take` (no stream buffer in between, so
    // rows are not held before they are mapped); a timer flushes a partial batch when the source
    // is idle. The two must not interleave, so that batches reach the senders in the order they
    // were formed. Not with a lock: a Semaphore's uninterruptible region per chunk left every row
    // reachable from older fiber state (Why: docs/performance.md, "Intake: no lock"). Instead the
    // timer skips its turn while a chunk is being handled (the source is not idle then), a chunk
    // waits for a running flush, and batches not yet taken stay in `unsent` for the next one to send.
    let handlingChunk = false
    let flushing: Deferred.Deferred<void> | undefined
    const handled = () => {
      handlingChunk = false
    }
    const handleChunk = (chunk: Chunk.Chunk<SourceRow>): Effect.Effect<void, Fatal> =>
      Effect.suspend(() => {
        if (flushing !== undefined) return Effect.zipRight(Deferred.await(flushing), handleChunk(chunk))
        handlingChunk = true
        return Effect.zipRight(take(chunk), Effect.map(senders.drain(batches.unsent), handled))
      })
    const flushIfIdle: Effect.Effect<void, Fatal> = Effect.suspend(() => {
      if (handlingChunk) return Effect.void
      const done = Deferred.unsafeMake<void>(FiberId.none)
      flushing = done
      return Effect.ensuring(
        Effect.zipRight(tick, senders.drain(batches.unsent)),
        Effect.sync(() => {
          flushing = undefined
          Deferred.unsafeDone(done, Exit.void)
        }),
      )
    })

    // Pulled chunk by chunk rather than `Stream.runForEachChunk`, whose channel machinery kept
    // every chunk it had passed reachable. Why: docs/performance.md, "Intake: pulling the source".
    const sourceFailed = (error: E) =>
      new Fatal({ reason: "SourceFailed", message: `the source failed: ${messageOf(error)}`, cause: error })
    const readSource = Effect.scoped(
      Effect.flatMap(Stream.toPull(config.source), (pull) => {
        const loop: Effect.Effect<void, Fatal, R> = Effect.matchEffect(pull, {
          onFailure: (error) => (Option.isNone(error) ? Effect.void : Effect.fail(sourceFailed(error.value))),
          onSuccess: (chunk) => Effect.zipRight(handleChunk(chunk), loop),
        })
        return loop
      }),
    )
    const idleFlush = Effect.forever(Effect.zipRight(Effect.sleep(config.flushAfter), flushIfIdle))

    return Effect.raceFirst(readSource, idleFlush).pipe(
      Effect.zipRight(end),
      Effect.zipRight(Effect.suspend(() => senders.drain(batches.unsent))),
      Effect.zipRight(senders.close),
    )
  })
