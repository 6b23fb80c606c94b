/**
 * Every row read ends in exactly one outcome, whatever ends the run: finished, a fatal answer
 * (401), the source failing, unknown properties, the reject limit, or an interruption — over
 * random fault sequences from the fake CRM.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Fiber, Stream } from "effect"
import fc from "fast-check"
import { BatchResults, ContactSink, Ledger, Mapping, SourceRow, Sync, SyncReport } from "../src/index.js"
import type { SyncError } from "../src/index.js"
import type { SyncEvent } from "../src/index.js"
import * as FakeCrm from "./fixtures/FakeCrm.js"
import { chunked, contactRows, LIST } from "./fixtures/rows.js"

const mapping = Mapping.make({
  listId: LIST,
  key: "id",
  fields: { email: "email" },
  properties: { "First Name": "first", Status: "status" },
})

const scenario = fc.record({
  seed: fc.integer(),
  rows: fc.integer({ min: 0, max: 1500 }),
  badShare: fc.constantFrom(0, 0.01, 0.3),
  invalidShare: fc.constantFrom(0, 0.05, 0.5),
  duplicateShare: fc.constantFrom(0, 0.2),
  batchSize: fc.integer({ min: 1, max: 150 }),
  concurrency: fc.integer({ min: 1, max: 6 }),
  rateLimited: fc.double({ min: 0, max: 0.2, noNaN: true }),
  serverError: fc.double({ min: 0, max: 0.3, noNaN: true }),
  timeout: fc.double({ min: 0, max: 0.1, noNaN: true }),
  responseLost: fc.double({ min: 0, max: 0.1, noNaN: true }),
  indexed: fc.boolean(),
  unauthorizedFrom: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
  statusUnknown: fc.boolean(),
  allowUnknownProperties: fc.boolean(),
  maxRejectRate: fc.option(fc.constantFrom(0.05, 0.2), { nil: undefined }),
  sourceFailsAfter: fc.option(fc.integer({ min: 0, max: 1500 }), { nil: undefined }),
  interruptAfterEvents: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
  withResults: fc.boolean(),
  withLedger: fc.boolean(),
})

type Scenario = typeof scenario extends fc.Arbitrary<infer A> ? A : never

const rowsOf = (s: Scenario) => {
  const random = FakeCrm.mulberry32(s.seed)
  return contactRows(s.rows, (i) => {
    const roll = random()
    const key = roll < s.duplicateShare ? `k${Math.floor(i / 2)}` : `k${i}`
    return {
      id: key,
      email: roll < s.invalidShare ? "not an email" : `c${i}@example.com`,
      first: `F${i}`,
      status: "subscribed",
    }
  })
}

const source = (s: Scenario, rows: ReadonlyArray<SourceRow.SourceRow>) =>
  s.sourceFailsAfter === undefined
    ? chunked(rows, 100)
    : Stream.concat(
        chunked(rows.slice(0, s.sourceFailsAfter), 100),
        Stream.fail(new SourceRow.SourceError({ source: "test", message: "the disk went away" })),
      )

/** Runs one scenario; the events' fold and the run's own report must both count every row once. */
const check = (s: Scenario) =>
  Effect.gen(function* () {
    const rows = rowsOf(s)
    const every = s.badShare === 0 ? 0 : Math.round(1 / s.badShare)
    const badEmails = new Set(
      rows.flatMap((row, i) => (every > 0 && i % every === 0 ? [String(row.fields.email)] : [])),
    )
    const crm = FakeCrm.make({
      seed: s.seed,
      rateLimited: s.rateLimited,
      serverError: s.serverError,
      timeout: s.timeout,
      responseLost: s.responseLost,
      badEmails,
      indexed: s.indexed,
      ...(s.unauthorizedFrom !== undefined ? { unauthorizedFrom: s.unauthorizedFrom } : {}),
      ...(s.statusUnknown ? { knownProperties: new Set(["First Name"]) } : {}),
    })
    const events: Array<SyncEvent.SyncEvent> = []
    const enough = yield* Deferred.make<void>()
    let run: Effect.Effect<SyncReport.SyncReport, unknown, never> = Sync.run({
      name: "prop",
      source: source(s, rows),
      mapping,
      batchSize: s.batchSize,
      concurrency: s.concurrency,
      maxAttempts: 3,
      retryBaseDelay: "1 millis",
      retryMaxDelay: "2 millis",
      flushAfter: "20 millis",
      allowUnknownProperties: s.allowUnknownProperties,
      maxRejectRate: s.maxRejectRate,
      rejectRateFrom: 200,
      onEvent: (event) =>
        Effect.suspend(() => {
          events.push(event)
          return s.interruptAfterEvents !== undefined && events.length >= s.interruptAfterEvents
            ? Deferred.succeed(enough, undefined)
            : Effect.void
        }),
    }).pipe(Effect.provideService(ContactSink.ContactSink, crm.sink))
    if (s.withResults) run = Effect.provideService(run, BatchResults.BatchResults, crm.results)
    if (s.withLedger) run = Effect.provideService(run, Ledger.Ledger, yield* Ledger.makeMemory)
    const fiber = yield* Effect.fork(Effect.either(run))
    yield* Effect.raceFirst(Deferred.await(enough), Fiber.await(fiber))
    yield* Fiber.interrupt(fiber)
    const result = fiber.unsafePoll()
    const folded = SyncReport.fold("prop", events)
    expect(SyncReport.settled(folded)).toBe(folded.read)
    if (result !== null && result._tag === "Success") {
      const report = Either.isRight(result.value)
        ? result.value.right
        : (result.value.left as SyncError.SyncError).report
      if (report !== undefined) {
        expect(SyncReport.settled(report)).toBe(report.read)
        expect(report.read).toBe(folded.read)
      }
    }
    return result === null || result._tag === "Failure"
      ? "interrupted"
      : Either.isRight(result.value)
        ? "finished"
        : (result.value.left as SyncError.SyncError).reason
  })

describe("the report adds up", () => {
  it("in every exit path, over random fault sequences", { timeout: 120_000 }, async () => {
    const endings = new Set<string>()
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        endings.add(await Effect.runPromise(check(s)))
      }),
      { numRuns: 80, seed: 20261201 },
    )
    // The scenarios reached each way a run ends.
    expect([...endings].sort()).toEqual(
      ["RejectRate", "SourceFailed", "Unauthorized", "UnknownProperties", "finished", "interrupted"].sort(),
    )
  })
})
