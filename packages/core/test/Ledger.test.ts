import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Stream } from "effect"
import { BatchResults, ContactSink, Ledger, Sync } from "../src/index.js"
import * as FakeCrm from "./fixtures/FakeCrm.js"
import { chunked, contactRows, mapping } from "./fixtures/rows.js"

const target = { sync: "ledgered", listId: mapping.config.listId ?? null }

const syncOnce = (
  crm: ReturnType<typeof FakeCrm.make>,
  ledger: Ledger.Service,
  rows: ReturnType<typeof contactRows>,
  options: Partial<Sync.Options<never, never>> = {},
) =>
  Sync.run({ name: "ledgered", source: chunked(rows), mapping, retryBaseDelay: "1 millis", ...options }).pipe(
    Effect.provideService(ContactSink.ContactSink, crm.sink),
    Effect.provideService(BatchResults.BatchResults, crm.results),
    Effect.provideService(Ledger.Ledger, ledger),
  )

const changed = (i: number) => ({
  id: `k${i}`,
  email: `c${i}@example.com`,
  first: i % 100 === 7 ? `New${i}` : `F${i}`,
})

describe("a sync with a ledger", () => {
  it.effect(
    "sends nothing for an unchanged source, and exactly the changed rows (with their learned contactIds) after a change",
    () =>
      Effect.gen(function* () {
        const crm = FakeCrm.make()
        const ledger = yield* Ledger.makeMemory
        const first = yield* syncOnce(crm, ledger, contactRows(3000))
        expect(first.inserted).toBe(3000)
        const requestsAfterFirst = crm.stats.requests

        const second = yield* syncOnce(crm, ledger, contactRows(3000))
        expect(second.unchanged).toBe(3000)
        expect(second.requests).toBe(0)
        expect(crm.stats.requests).toBe(requestsAfterFirst)

        const sizesBefore = crm.stats.sizes.length
        const third = yield* syncOnce(crm, ledger, contactRows(3000, changed))
        expect(third.unchanged).toBe(2970)
        expect(third.updated).toBe(30)
        expect(crm.stats.sizes.slice(sizesBefore)).toEqual([30])
        const stored = crm.byEmail("c7@example.com")!
        expect(stored.values.propertyFields?.[0]?.propertyValue).toBe("New7")
        expect(stored.values.contactId).toBe(stored.contactId) // the update carried the contactId the first run learned

        const runs = yield* ledger.runs(target, 10)
        expect(runs.map((run) => run.report.requests)).toEqual([1, 0, 30])
      }),
  )

  it.live(
    "records a hash only for accepted batches: rows that failed are sent again next run, and kept as dead letters",
    () =>
      Effect.gen(function* () {
        const ledger = yield* Ledger.makeMemory
        const failing = FakeCrm.make({ serverError: 1 })
        const first = yield* syncOnce(failing, ledger, contactRows(150), { maxAttempts: 2 })
        expect(first.failed).toBe(150)
        expect((yield* ledger.deadLetters(target)).length).toBe(150)
        const crm = FakeCrm.make()
        const second = yield* syncOnce(crm, ledger, contactRows(150))
        expect(second.inserted).toBe(150)
        expect((yield* ledger.deadLetters(target)).length).toBe(0)
      }),
  )

  it.effect("update-only sends rows the ledger knows; insert-only sends only new rows", () =>
    Effect.gen(function* () {
      const crm = FakeCrm.make()
      const ledger = yield* Ledger.makeMemory
      yield* syncOnce(crm, ledger, contactRows(100))
      const rows = contactRows(150, (i) => ({ id: `k${i}`, email: `c${i}@example.com`, first: `G${i}` }))
      const updateOnly = yield* syncOnce(crm, ledger, rows, { mode: "update-only" })
      expect(updateOnly.updated).toBe(100)
      expect(updateOnly.skipped).toBe(50)
      const insertOnly = yield* syncOnce(crm, ledger, rows, { mode: "insert-only" })
      expect(insertOnly.inserted).toBe(50)
      expect(insertOnly.skipped).toBe(100)
    }),
  )

  it.effect("the last row of a key wins even when it is the unchanged one", () =>
    Effect.gen(function* () {
      const crm = FakeCrm.make()
      const ledger = yield* Ledger.makeMemory
      yield* syncOnce(crm, ledger, contactRows(10))
      const rows = contactRows(11, (i) =>
        i === 10
          ? { id: "k3", email: "c3@example.com", first: "F3" }
          : { id: `k${i}`, email: `c${i}@example.com`, first: i === 3 ? "changed" : `F${i}` },
      )
      const report = yield* syncOnce(crm, ledger, rows)
      expect(report.superseded).toBe(1)
      expect(report.unchanged).toBe(10)
      expect(report.requests).toBe(0)
    }),
  )

  it.effect("a second run of the same sync while one is running is refused", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger.makeMemory
      const crm = FakeCrm.make()
      const started = yield* Deferred.make<void>()
      const slow = Stream.fromEffect(Deferred.succeed(started, undefined)).pipe(
        Stream.flatMap(() => Stream.never),
      )
      const first = yield* Sync.run({ name: "ledgered", source: slow, mapping }).pipe(
        Effect.provideService(ContactSink.ContactSink, crm.sink),
        Effect.provideService(Ledger.Ledger, ledger),
        Effect.fork,
      )
      yield* Deferred.await(started)
      const error = yield* syncOnce(crm, ledger, contactRows(1)).pipe(Effect.flip)
      expect(error.reason).toBe("AlreadyRunning")
      expect(error.message).toContain('another run of sync "ledgered" is in progress')
      yield* Fiber.interrupt(first)
      expect((yield* syncOnce(crm, ledger, contactRows(1))).inserted).toBe(1)
    }),
  )
})
