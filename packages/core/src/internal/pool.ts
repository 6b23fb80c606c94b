/**
 * A fixed number of workers taking items from a small bounded buffer: a pool of plain fibers costs
 * next to nothing per item, unlike `Stream.mapEffect` with `concurrency`.
 * Why: docs/performance.md, "Pool: plain fibers, not Stream.mapEffect".
 *
 * The buffer is a plain array, not an Effect `Queue`: a `Queue` keeps items in a linked list
 * whose removed nodes still point to the next node, so once one node reached the old
 * generation, every later node and its batch (100 rows) were kept alive until the next full
 * collection. Why: docs/performance.md, "Pool: a plain array, not a Queue".
 */
import { Effect } from "effect"

export interface Pool<A, E> {
  /** Waits while the buffer is full: backpressure for the producer. */
  readonly offer: (item: A) => Effect.Effect<void>
  /**
   * Moves the items at the front of `items` into the pool, in order, waiting for room. An item
   * leaves `items` only as the pool takes it, so an interrupted drain loses nothing: the next
   * drain of the same array goes on where it stopped.
   */
  readonly drain: (items: Array<A>) => Effect.Effect<void>
  /** No more items: each worker stops once the buffer is drained. */
  readonly close: Effect.Effect<void>
  /** The workers; fails as soon as one handling fails. */
  readonly run: Effect.Effect<void, E>
}

const END: unique symbol = Symbol("Pool.END")

export const make = <A, E>(
  workers: number,
  handle: (item: A) => Effect.Effect<void, E>,
): Effect.Effect<Pool<A, E>> =>
  Effect.sync(() => {
    const buffer: Array<A> = []
    let closed = false
    const waitingForItem: Array<() => void> = []
    const waitingForRoom: Array<() => void> = []

    const wakeOne = (waiting: Array<() => void>) => waiting.shift()?.()
    const wait = (waiting: Array<() => void>) =>
      Effect.async<void>((resume) => {
        const wake = () => resume(Effect.void)
        waiting.push(wake)
        return Effect.sync(() => {
          const index = waiting.indexOf(wake)
          if (index >= 0) waiting.splice(index, 1)
        })
      })

    const drain = (items: Array<A>): Effect.Effect<void> =>
      Effect.suspend(() => {
        while (items.length > 0 && buffer.length < workers) {
          buffer.push(items.shift()!)
          wakeOne(waitingForItem)
        }
        return items.length === 0 ? Effect.void : Effect.zipRight(wait(waitingForRoom), drain(items))
      })

    const take: Effect.Effect<A | typeof END> = Effect.suspend(() => {
      if (buffer.length > 0) {
        const item = buffer.shift()!
        wakeOne(waitingForRoom)
        return Effect.succeed(item)
      }
      return closed ? Effect.succeed(END) : Effect.zipRight(wait(waitingForItem), take)
    })

    const work: Effect.Effect<void, E> = Effect.flatMap(take, (item) =>
      item === END ? Effect.void : Effect.zipRight(handle(item), work),
    )

    return {
      offer: (item: A) => drain([item]),
      drain,
      close: Effect.sync(() => {
        closed = true
        while (waitingForItem.length > 0) wakeOne(waitingForItem)
      }),
      run: Effect.forEach(Array.from({ length: workers }), () => work, {
        concurrency: "unbounded",
        discard: true,
      }),
    }
  })
