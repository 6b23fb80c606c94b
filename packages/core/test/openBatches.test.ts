/** Open batches alone: forming, what a stop would still settle, and sending in turn. */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Fiber } from "effect"
import * as OpenBatches from "../src/internal/openBatches.js"
import type { SyncEvent } from "../src/index.js"
import { cutOf, item } from "./fixtures/items.js"

const make = () => {
  const events: Array<SyncEvent.SyncEvent> = []
  return { batches: OpenBatches.make((event) => void events.push(event)), events }
}

describe("OpenBatches", () => {
  it("numbers batches from 1 in the order formed, notes each, and queues them unsent", () => {
    const { batches, events } = make()
    batches.form([cutOf(item("a"), item("b")), cutOf(item("c"))])
    batches.form([cutOf(item("d"))])
    expect(batches.unsent.map((batch) => [batch.seq, batch.cut.items.length])).toEqual([
      [1, 2],
      [2, 1],
      [3, 1],
    ])
    expect(events).toEqual([
      { _tag: "BatchFormed", batch: 1, size: 2 },
      { _tag: "BatchFormed", batch: 2, size: 1 },
      { _tag: "BatchFormed", batch: 3, size: 1 },
    ])
    expect(batches.open().map((batch) => batch.seq)).toEqual([1, 2, 3])
  })

  it("keeps a batch open until every row of it is done; compaction drops only such batches", () => {
    const { batches } = make()
    const rows = Array.from({ length: 7 }, (_, i) => item(`k${i}`))
    batches.form(rows.map((row) => cutOf(row)))
    for (const row of rows.slice(0, 5)) row.done = true
    const halfDone = [item("x"), item("y")]
    halfDone[0]!.done = true
    batches.form([cutOf(...halfDone)])
    // The 8th batch made the list compact: batches 1-5 had all their rows done.
    expect(batches.open().map((batch) => batch.seq)).toEqual([6, 7, 8])
    rows[5]!.done = true
    batches.form(Array.from({ length: 5 }, (_, i) => cutOf(item(`m${i}`))))
    // Compacted again when 8 were open (batch 6 is done now); 7 kept, so the next one comes at 14.
    expect(batches.open().map((batch) => batch.seq)).toEqual([7, 8, 9, 10, 11, 12, 13])
    rows[6]!.done = true
    batches.form([cutOf(item("z"))])
    expect(batches.open().map((batch) => batch.seq)).toEqual([7, 8, 9, 10, 11, 12, 13, 14])
    expect(batches.unsent).toHaveLength(14)
  })

  it.effect("sends a batch sharing a key or identity with one in flight only once that one is through", () =>
    Effect.gen(function* () {
      const { batches } = make()
      batches.form([cutOf(item("a", "shared")), cutOf(item("b", "shared")), cutOf(item("c"))])
      const [first, second, third] = batches.unsent
      const gate = yield* Deferred.make<void>()
      const started: Array<number> = []
      const send = (batch: OpenBatches.Batch) =>
        Effect.zipRight(
          Effect.sync(() => started.push(batch.seq)),
          batch.seq === 1 ? Effect.as(Deferred.await(gate), batch.seq) : Effect.succeed(batch.seq),
        )
      const fibers = yield* Effect.forEach([first!, second!, third!], (batch) =>
        Effect.fork(batches.inTurn(batch, send)),
      )
      yield* Effect.yieldNow({ priority: 1000 })
      // Batch 2 shares the email "shared" with batch 1; batch 3 shares nothing and does not wait.
      expect(started).toEqual([1, 3])
      expect(yield* Fiber.join(fibers[2]!)).toBe(3)
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(fibers[0]!)).toBe(1)
      expect(yield* Fiber.join(fibers[1]!)).toBe(2)
      expect(started).toEqual([1, 3, 2])
    }),
  )

  it.effect("a send that fails lets the batches waiting on it go, and keeps its failure", () =>
    Effect.gen(function* () {
      const { batches } = make()
      batches.form([cutOf(item("a")), cutOf(item("a"))])
      const [first, second] = batches.unsent
      const failed = yield* Effect.either(batches.inTurn(first!, () => Effect.fail("refused")))
      expect(failed).toEqual(Either.left("refused"))
      expect(yield* batches.inTurn(second!, (batch) => Effect.succeed(batch.seq))).toBe(2)
    }),
  )

  it.effect("registers batches in the order formed, whichever a sender takes first", () =>
    Effect.gen(function* () {
      const { batches } = make()
      batches.form([cutOf(item("a")), cutOf(item("b"))])
      const [first, second] = batches.unsent
      const order: Array<number> = []
      const send = (batch: OpenBatches.Batch) => Effect.sync(() => order.push(batch.seq))
      const later = yield* Effect.fork(batches.inTurn(second!, send))
      yield* Effect.yieldNow({ priority: 1000 })
      expect(order).toEqual([])
      yield* batches.inTurn(first!, send)
      yield* Fiber.join(later)
      expect(order).toEqual([1, 2])
    }),
  )
})
