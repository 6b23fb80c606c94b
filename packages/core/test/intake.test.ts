/** Intake alone, on the TestClock: the source loop, the count rule, the idle flush and the end. */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Fiber, Stream, TestClock } from "effect"
import * as Admission from "../src/internal/admission.js"
import { Fatal } from "../src/internal/deliver.js"
import * as Intake from "../src/internal/intake.js"
import type { Batch } from "../src/internal/openBatches.js"
import * as OpenBatches from "../src/internal/openBatches.js"
import type { SourceRow, SyncEvent } from "../src/index.js"
import { contactRows, mapping } from "./fixtures/rows.js"

/** Senders that take every batch handed to them, as a pool does, and record it. */
const recordingSenders = () => {
  const taken: Array<Batch> = []
  let closed = false
  return {
    taken,
    closed: () => closed,
    senders: {
      drain: (batches: Array<Batch>) => Effect.sync(() => void taken.push(...batches.splice(0))),
      close: Effect.sync(() => void (closed = true)),
    },
  }
}

const setUp = <E>(
  source: Stream.Stream<SourceRow.SourceRow, E>,
  options: { lookup?: Intake.Config<E, never>["lookup"]; batchSize?: number; window?: number } = {},
) => {
  const events: Array<string> = []
  const told: Array<string> = []
  const queued: Array<string> = []
  const note = (event: SyncEvent.SyncEvent) => {
    events.push(event._tag)
    queued.push(event._tag)
  }
  const admission = Admission.make(mapping.map, "upsert", options.batchSize ?? 10, options.window ?? 20, note)
  const batches = OpenBatches.make(note)
  const { taken, closed, senders } = recordingSenders()
  const run = Intake.run({
    source,
    flushAfter: "1 second",
    admission,
    batches,
    senders,
    guard: { before: () => undefined, after: () => undefined },
    lookup: options.lookup,
    flushNoted: (value) => Effect.sync(() => (told.push(...queued.splice(0)), value)),
  })
  const sizes = () => taken.map((batch) => batch.cut.items.length)
  return { run, admission, events, told, taken, sizes, closed }
}

const rows = contactRows(100)
const chunks = (...sizes: Array<number>) => {
  let at = 0
  return sizes.map((size) => Chunk.unsafeFromArray(rows.slice(at, (at += size))))
}

describe("Intake", () => {
  it.effect("the count rule forms batches as soon as the window is full; the rest go at the end", () =>
    Effect.gen(function* () {
      const { run, sizes, closed, events } = setUp(Stream.fromChunks(...chunks(15, 15, 7)))
      yield* run
      // Window 20, batches of 10: after 30 rows one batch is cut (20 left waiting), 37 in all.
      expect(sizes()).toEqual([10, 10, 10, 7])
      expect(events.filter((tag) => tag === "RowsRead")).toHaveLength(3)
      expect(closed()).toBe(true)
    }),
  )

  it.effect("the idle flush sends a partial batch once the source gave no rows for a whole period", () =>
    Effect.gen(function* () {
      const source = Stream.concat(
        Stream.fromChunks(...chunks(3)),
        Stream.fromEffect(Effect.sleep("10 seconds")).pipe(
          Stream.flatMap(() => Stream.fromChunks(...chunks(0, 4))),
        ),
      )
      const { run, sizes, closed } = setUp(source)
      const fiber = yield* Effect.fork(run)
      yield* TestClock.adjust("1 second")
      // The rows came during the first period: it was not idle.
      expect(sizes()).toEqual([])
      yield* TestClock.adjust("1 second")
      expect(sizes()).toEqual([3])
      yield* TestClock.adjust("7 seconds")
      expect(sizes()).toEqual([3])
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      expect(sizes()).toEqual([3, 4])
      expect(closed()).toBe(true)
    }),
  )

  it.effect("the source keeps the idle flush away while its rows keep coming", () =>
    Effect.gen(function* () {
      // A row every half second until 2.5 s, then nothing until 10 s.
      const source = Stream.concat(
        Stream.fromChunks(...chunks(1, 1, 1, 1, 1)).pipe(Stream.tap(() => Effect.sleep("500 millis"))),
        Stream.fromEffect(Effect.sleep("7500 millis")).pipe(Stream.flatMap(() => Stream.empty)),
      )
      const { run, sizes } = setUp(source)
      const fiber = yield* Effect.fork(run)
      for (let i = 0; i < 7; i++) {
        yield* TestClock.adjust("500 millis")
        expect(sizes()).toEqual([])
      }
      // The period from 3 s to 4 s is the first without a row.
      yield* TestClock.adjust("500 millis")
      expect(sizes()).toEqual([5])
      yield* TestClock.adjust("6 seconds")
      yield* Fiber.join(fiber)
      expect(sizes()).toEqual([5])
    }),
  )

  it.effect("with a ledger: the listener hears of the rows read before the lookup, which is per chunk", () =>
    Effect.gen(function* () {
      const looked: Array<ReadonlyArray<string>> = []
      let toldBeforeLookup: Array<string> = []
      const state = setUp(Stream.fromChunks(...chunks(2, 3)), {
        lookup: (keys) =>
          Effect.sync(() => {
            looked.push(keys)
            toldBeforeLookup = [...state.told]
            return new Map()
          }),
      })
      yield* state.run
      expect(looked).toEqual([
        ["k0", "k1"],
        ["k2", "k3", "k4"],
      ])
      expect(toldBeforeLookup).toEqual(["RowsRead", "RowsRead"])
      expect(state.told).toEqual(state.events)
      expect(state.sizes()).toEqual([5])
    }),
  )

  it.effect("a failed lookup stops intake and leaves the chunk's rows held, for a stop to fail them", () =>
    Effect.gen(function* () {
      const lookupFailed = new Fatal({ reason: "LedgerFailed", message: "the ledger failed: gone" })
      const { run, admission, taken, closed } = setUp(Stream.fromChunks(...chunks(2)), {
        lookup: () => Effect.fail(lookupFailed),
      })
      expect(yield* Effect.either(run)).toEqual(Either.left(lookupFailed))
      expect(admission.strand().map((row) => row.key)).toEqual(["k0", "k1"])
      expect(taken).toEqual([])
      expect(closed()).toBe(false)
    }),
  )

  it.effect("a failing source stops intake with SourceFailed, after the rows it gave were admitted", () =>
    Effect.gen(function* () {
      const source = Stream.concat(Stream.fromChunks(...chunks(4)), Stream.fail(new Error("disk gone")))
      const { run, admission } = setUp(source)
      const failure = yield* Effect.flip(run)
      expect(failure).toMatchObject({ reason: "SourceFailed", message: "the source failed: disk gone" })
      expect(admission.waiting()).toBe(4)
    }),
  )
})
