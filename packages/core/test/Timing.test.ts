/** Waits, rate limits and idle flushes, on the TestClock: time is virtual, nothing here depends on the machine's speed. */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Stream, TestClock } from "effect"
import { ApiError, ContactSink, Sync } from "../src/index.js"
import type { BatchRequest } from "../src/index.js"
import { chunked, contactRows, mapping } from "./fixtures/rows.js"

/** A sink that answers each request with the next scripted error (then accepts), recording requests. */
const scripted = (script: Array<ContactSink.SinkError>) => {
  const sent: Array<BatchRequest.BatchRequest> = []
  const sink: ContactSink.Service = {
    upsert: (request) =>
      Effect.suspend(() => {
        sent.push(request)
        const error = script.shift()
        if (error !== undefined) return Effect.fail(error)
        return Effect.succeed({
          status: "Success",
          message: "queued",
          data: {
            batchId: `b${sent.length}`,
            processed: "1",
            status: 0,
            message: "queued",
            invalidPropertiesList: [],
            invalidContactIdList: [],
            balance: {},
          },
        })
      }),
  }
  return { sink, sent }
}

/** Starts a sync on `sink` in a fiber of its own, for the test to move the clock under it. */
const start = <E>(options: Sync.Options<E, never>, sink: ContactSink.Service) =>
  Sync.run(options).pipe(Effect.provideService(ContactSink.ContactSink, sink), Effect.fork)

describe("time in a sync", () => {
  it.effect("a 429 is waited out for its Retry-After, then the batch is resent", () =>
    Effect.gen(function* () {
      const { sink, sent } = scripted([
        new ApiError.RateLimited({ message: "slow down", retryAfterSeconds: 30 }),
      ])
      const fiber = yield* start({ name: "t", source: chunked(contactRows(100)), mapping }, sink)
      yield* TestClock.adjust("29 seconds")
      expect(sent.length).toBe(1)
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      const report = yield* Fiber.join(fiber)
      expect(sent.length).toBe(2)
      expect(report.rateLimited).toBe(1)
      expect(report.retries).toBe(0)
      expect(report.accepted).toBe(100)
    }),
  )

  it.effect("429s do not use up the retry budget, but their total wait is capped", () =>
    Effect.gen(function* () {
      const limited = () => new ApiError.RateLimited({ message: "slow down", retryAfterSeconds: 60 })
      const { sink, sent } = scripted([limited(), limited(), limited(), limited(), limited(), limited()])
      const fiber = yield* start(
        {
          name: "t",
          source: chunked(contactRows(100)),
          mapping,
          maxAttempts: 2,
          rateLimitWaitCap: "4 minutes",
        },
        sink,
      )
      yield* TestClock.adjust("10 minutes")
      const report = yield* Fiber.join(fiber)
      expect(sent.length).toBe(5) // 4 waits of 60 s fit in the cap, the 5th 429 would exceed it
      expect(report.rateLimited).toBe(4)
      expect(report.failed).toBe(100)
      expect(report.failedRows[0]?.error).toContain("429 Too Many Requests")
    }),
  )

  it.effect("requestsPerSecond paces requests after the burst", () =>
    Effect.gen(function* () {
      const { sink, sent } = scripted([])
      const fiber = yield* start(
        {
          name: "t",
          source: chunked(contactRows(1000)),
          mapping,
          requestsPerSecond: 2,
          burst: 2,
        },
        sink,
      )
      yield* TestClock.adjust("0 millis")
      expect(sent.length).toBe(2)
      yield* TestClock.adjust("1 second")
      expect(sent.length).toBe(4)
      yield* TestClock.adjust("2 seconds")
      expect(sent.length).toBe(8)
      yield* TestClock.adjust("1 second")
      expect((yield* Fiber.join(fiber)).accepted).toBe(1000)
      expect(sent.length).toBe(10)
    }),
  )

  it.effect("a slow source's partial batch is sent after flushAfter without new rows", () =>
    Effect.gen(function* () {
      const { sink, sent } = scripted([])
      const source = Stream.fromChunk(Chunk.unsafeFromArray(contactRows(5))).pipe(Stream.concat(Stream.never))
      const fiber = yield* start({ name: "t", source, mapping, flushAfter: "2 seconds" }, sink)
      yield* TestClock.adjust("1 second")
      expect(sent.length).toBe(0)
      yield* TestClock.adjust("4 seconds")
      expect(sent.length).toBe(1)
      expect(sent[0]!.createUpdateContacts.length).toBe(5)
      yield* Fiber.interrupt(fiber)
    }),
  )

  it.effect("a flush still waiting to hand its batches to slow senders loses none when the source ends", () =>
    Effect.gen(function* () {
      const { sink, sent } = scripted([])
      const slow: ContactSink.Service = {
        upsert: (request) => Effect.delay(sink.upsert(request), "10 seconds"),
      }
      // 700 rows at once, then 3 idle seconds, then the end: the flush at 1 s forms 7 batches,
      // the one sender and its one buffer slot take 2, and the source ends while the rest wait.
      const source = Stream.fromChunk(Chunk.unsafeFromArray(contactRows(700))).pipe(
        Stream.concat(Stream.drain(Stream.fromEffect(Effect.sleep("3 seconds")))),
      )
      const fiber = yield* start(
        {
          name: "t",
          source,
          mapping,
          concurrency: 1,
          flushAfter: "1 second",
        },
        slow,
      )
      yield* TestClock.adjust("2 minutes")
      const report = yield* Fiber.join(fiber)
      expect(report.accepted).toBe(700)
      expect(report.read).toBe(700)
      expect(sent.length).toBe(7)
      const keys = sent.flatMap((request) => request.createUpdateContacts.map((contact) => contact.email))
      expect(new Set(keys).size).toBe(700)
    }),
  )

  it.effect("5xx retries back off exponentially", () =>
    Effect.gen(function* () {
      const boom = () => new ApiError.ServerError({ message: "boom" })
      const { sink, sent } = scripted([boom(), boom(), boom()])
      const fiber = yield* start(
        {
          name: "t",
          source: chunked(contactRows(10)),
          mapping,
          retryBaseDelay: "1 second",
        },
        sink,
      )
      yield* TestClock.adjust("0 millis")
      expect(sent.length).toBe(1)
      // Delays with "equal jitter": attempt n waits between half and all of 1 s × 2^(n-1).
      yield* TestClock.adjust("1 second") // t = 1 s: the first retry (after 0.5 to 1 s) has gone
      expect(sent.length).toBe(2)
      yield* TestClock.adjust("499 millis") // t = 1.499 s: the second retry cannot have gone (at least 0.5 + 1 s)
      expect(sent.length).toBe(2)
      yield* TestClock.adjust("1501 millis") // t = 3 s: it has (at most 1 + 2 s)
      expect(sent.length).toBe(3)
      yield* TestClock.adjust("4 seconds")
      const report = yield* Fiber.join(fiber)
      expect(report.retries).toBe(3)
      expect(report.accepted).toBe(10)
    }),
  )
})
