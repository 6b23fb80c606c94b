/**
 * The run's two event paths, both into the report at once. `emit`, from effects, then calls the
 * listener (the run waits for it). `note`, from the synchronous chunk path (an `Effect.gen` per
 * chunk cost more than the work), queues the event for the listener until `flushNoted`, which the
 * chunk path calls before its batches go to the senders: the listener gets every event, in order.
 */
import { Effect } from "effect"
import type { SyncEvent } from "../SyncEvent.js"

export const make = (
  add: (event: SyncEvent) => void,
  listener: ((event: SyncEvent) => Effect.Effect<void>) | undefined,
) => {
  const emit = (event: SyncEvent): Effect.Effect<void> => {
    add(event)
    return listener === undefined ? Effect.void : listener(event)
  }
  const queued: Array<SyncEvent> = []
  const note =
    listener === undefined
      ? add
      : (event: SyncEvent): void => {
          add(event)
          queued.push(event)
        }
  const flushNoted = <A>(value: A): Effect.Effect<A> => {
    if (listener === undefined || queued.length === 0) return Effect.succeed(value)
    const events = queued.splice(0, queued.length)
    return Effect.as(Effect.forEach(events, listener, { discard: true }), value)
  }
  return { emit, note, flushNoted }
}
