/** The worker alone, over a store on an in-memory database, on the TestClock: when batches are applied and reports delivered. */
import type { BatchRequest } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Queue, TestClock } from "effect"
import { Fixtures } from "../src/index.js"
import * as Store from "../src/internal/store.js"
import * as Validate from "../src/internal/validate.js"
import type { Deliver } from "../src/internal/webhook.js"
import * as Worker from "../src/internal/worker.js"
import { memoryDb } from "./support.js"

const request = (email: string, webHookUrl?: string): BatchRequest.BatchRequest => ({
  listId: Fixtures.DEFAULT_LIST_ID,
  createUpdateContacts: [{ email }],
  ...(webHookUrl !== undefined ? { webHookUrl } : {}),
})

/** A store (its database open for the test's scope), a worker over it with `delay`, and the deliveries it asks for (batchId and url), as a queue. */
const setUp = (
  delay: Duration.DurationInput,
  before?: (store: Store.Store) => Effect.Effect<void, unknown>,
) =>
  Effect.gen(function* () {
    const db = yield* Layer.build(memoryDb)
    const store = yield* Store.make(Validate.catalogue(Fixtures.defaults)).pipe(Effect.provide(db))
    if (before !== undefined) yield* before(store)
    const deliveries = yield* Queue.unbounded<readonly [string, string, number]>()
    const deliver: Deliver = (batchId, url, report) =>
      Queue.offer(deliveries, [batchId, url, report.inserted.count + report.updated.count] as const)
    const signal = yield* Queue.sliding<void>(1)
    yield* Worker.start(store, deliver, signal, Duration.decode(delay))
    const wake = Queue.offer(signal, undefined)
    return { store, deliveries, wake }
  })

describe("worker", () => {
  it.scoped("applies a queued batch only once its processing delay is over, then delivers its report", () =>
    Effect.gen(function* () {
      const { store, deliveries } = yield* setUp("1 second", (store) =>
        store.enqueue({
          batchId: "b1",
          request: request("a@example.com", "http://localhost/h"),
          acceptedAt: 0,
        }),
      )
      yield* TestClock.adjust("999 millis")
      expect((yield* store.batch("b1"))?.state).toBe("queued")
      yield* TestClock.adjust("1 millis")
      expect(yield* Queue.take(deliveries)).toEqual(["b1", "http://localhost/h", 1])
      expect(yield* store.batch("b1")).toMatchObject({
        state: "applied",
        appliedAt: "1970-01-01T00:00:01.000Z",
      })
      expect((yield* store.counts).contacts).toBe(1)
    }),
  )

  it.scoped("a batch queued while the worker waits is taken at once when it is woken, in queue order", () =>
    Effect.gen(function* () {
      const { store, deliveries, wake } = yield* setUp(0)
      yield* store.enqueue({
        batchId: "b1",
        request: request("a@example.com", "http://localhost/1"),
        acceptedAt: 0,
      })
      yield* store.enqueue({ batchId: "b2", request: request("b@example.com"), acceptedAt: 0 })
      yield* store.enqueue({
        batchId: "b3",
        request: request("a@example.com", "http://localhost/3"),
        acceptedAt: 0,
      })
      yield* wake
      // No clock time passes: only the wake-up can have started the work.
      expect(yield* Queue.take(deliveries)).toEqual(["b1", "http://localhost/1", 1])
      expect(yield* Queue.take(deliveries)).toEqual(["b3", "http://localhost/3", 1])
      // b2 has no webhook: applied, nothing delivered.
      expect((yield* store.batch("b2"))?.state).toBe("applied")
      expect(yield* Queue.size(deliveries)).toBe(0)
    }),
  )

  it.scoped("on start, resumes the deliveries of batches applied before but not delivered", () =>
    Effect.gen(function* () {
      const { deliveries } = yield* setUp(0, (store) =>
        Effect.gen(function* () {
          yield* store.enqueue({
            batchId: "old",
            request: request("a@example.com", "http://localhost/h"),
            acceptedAt: 0,
          })
          yield* store.apply("old", 0)
        }),
      )
      expect(yield* Queue.take(deliveries)).toEqual(["old", "http://localhost/h", 1])
    }),
  )
})
