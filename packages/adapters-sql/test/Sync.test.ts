import { join } from "node:path"
import { DeadLetters, DryRun, Ledger, Sync } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Schedule, Stream } from "effect"
import { SqlLedger } from "../src/index.js"
import { asStored, crm, LIST, mapping, NAME, people, source, sync } from "./harness.js"
import { openLedger, tempDir } from "./support.js"

const target: Ledger.Target = { sync: NAME, listId: LIST }

describe("Sync.run with the SQL ledger, into the sandbox", () => {
  it.scopedLive(
    "a second run over an unchanged source sends nothing; a 1% change sends exactly those rows",
    () =>
      Effect.gen(function* () {
        const file = join(yield* tempDir, "state.db")
        const sandbox = yield* crm()
        const original = people(3000)
        const first = yield* sync(sandbox, file, original)
        expect(first.inserted).toBe(3000)
        expect(yield* sandbox.requests).toBe(30)

        const second = yield* sync(sandbox, file, original)
        expect(second.unchanged).toBe(3000)
        expect(second.requests).toBe(0)
        // No batch; one empty batch checked the token, since the run had nothing to send.
        expect(yield* sandbox.requests).toBe(31)

        const changed = people(3000, (i) => (i % 100 === 42 ? 1 : 0))
        const third = yield* sync(sandbox, file, changed)
        expect(third.unchanged).toBe(2970)
        expect(third.updated).toBe(30)
        expect(yield* sandbox.requests).toBe(32)
        const contacts = yield* sandbox.sandbox.contacts(LIST)
        expect(contacts).toHaveLength(3000)
        expect(yield* sandbox.people).toEqual(asStored(changed))
        const runs = yield* (yield* openLedger(file)).runs(target, 10)
        expect(runs.map((run) => [run.report.requests, run.report.unchanged])).toEqual([
          [1, 2970],
          [0, 3000],
          [30, 0],
        ])
      }),
  )

  it.scopedLive(
    "a dry run sends nothing, writes nothing, and predicts the next real run's counts exactly",
    () =>
      Effect.gen(function* () {
        const file = join(yield* tempDir, "state.db")
        const sandbox = yield* crm()
        yield* sync(sandbox, file, people(300))
        // 1% changed, 10 new rows, one row rejected (no identity), one key twice (the later wins)
        const next = [
          ...people(310, (i) => (i % 100 === 7 ? 1 : 0)).map((p) =>
            p.id === "k5" ? { ...p, email: "" } : p,
          ),
          { ...people(300)[9]!, first: "F9 late" },
        ]
        const requestsBefore = yield* sandbox.requests
        const dryRun = () =>
          DryRun.run({ name: NAME, source: source(next), mapping, sampleSize: 2 }).pipe(
            Effect.provide(Layer.merge(SqlLedger.layerSqlite(file), sandbox.layer)),
          )
        const preview = yield* dryRun()
        expect(yield* sandbox.requests).toBe(requestsBefore)
        expect(preview.insert).toBe(10)
        expect(preview.update).toBe(4) // k7, k107, k207 changed; k9's later row changed it
        expect(preview.differences).toEqual([
          {
            key: "k7",
            position: "line 9",
            changes: [{ field: "property:First Name", before: "F7", after: "F7 v1" }],
          },
          {
            key: "k107",
            position: "line 109",
            changes: [{ field: "property:First Name", before: "F107", after: "F107 v1" }],
          },
        ])
        // it wrote nothing: a second dry run sees the same
        const again = yield* dryRun()
        expect([again.insert, again.update]).toEqual([10, 4])

        const real = yield* sync(sandbox, file, next)
        expect(real.inserted).toBe(preview.insert)
        expect(real.updated).toBe(preview.update)
        expect([real.unchanged, real.rejected, real.superseded, real.read]).toEqual([
          preview.report.unchanged,
          preview.report.rejected,
          preview.report.superseded,
          preview.report.read,
        ])
        // k9's first row equals the ledger, so it ends unchanged (not sent) before its later row arrives
        expect([real.unchanged, real.rejected, real.superseded]).toEqual([296, 1, 0])
      }),
  )

  it.scopedLive("learned contactIds go with updates", () =>
    Effect.gen(function* () {
      const file = join(yield* tempDir, "state.db")
      const sandbox = yield* crm()
      yield* sync(sandbox, file, people(10))
      const ids = yield* (yield* openLedger(file)).lookup(target, ["k3"])
      const stored = (yield* sandbox.sandbox.contacts(LIST)).find((c) => c.email === "c3@example.com")
      expect(ids.get("k3")?.contactId).toBe(Number(stored?.contactId))
      // the key's email changes: only the learned contactId lets the CRM update the same contact
      const moved = people(10).map((p) => (p.id === "k3" ? { ...p, email: "moved@example.com" } : p))
      const report = yield* sync(sandbox, file, moved)
      expect(report.updated).toBe(1)
      const after = yield* sandbox.sandbox.contacts(LIST)
      expect(after).toHaveLength(10)
      expect(after.find((c) => c.contactId === stored?.contactId)?.email).toBe("moved@example.com")
    }),
  )

  it.scopedLive("update-only sends only rows the ledger knows; insert-only only rows it does not", () =>
    Effect.gen(function* () {
      const file = join(yield* tempDir, "state.db")
      const sandbox = yield* crm()
      yield* sync(sandbox, file, people(100))
      const next = people(150, () => 2).slice(50) // k50..k149, all changed

      const updateOnly = yield* sync(sandbox, file, next, { mode: "update-only" })
      expect([updateOnly.updated, updateOnly.skipped, updateOnly.inserted]).toEqual([50, 50, 0])
      expect(yield* sandbox.people).toEqual(asStored([...people(50), ...next.slice(0, 50)]))

      const insertOnly = yield* sync(sandbox, file, people(150, () => 3).slice(50), { mode: "insert-only" })
      expect([insertOnly.inserted, insertOnly.skipped, insertOnly.updated]).toEqual([50, 50, 0])
      expect(yield* sandbox.people).toEqual(
        asStored([...people(50), ...next.slice(0, 50), ...people(150, () => 3).slice(100)]),
      )
    }),
  )

  it.scopedLive(
    "failed rows become dead letters; a retry sends only them and removes the ones accepted",
    () =>
      Effect.gen(function* () {
        const file = join(yield* tempDir, "state.db")
        const flaky = yield* crm({ failRate: 0.5, seed: 7 })
        const rows = people(1000)
        const first = yield* sync(flaky, file, rows, { maxAttempts: 1 })
        expect(first.failed).toBeGreaterThan(0)
        expect(first.inserted).toBeGreaterThan(0)
        const failedKeys = first.failedRows.map((row) => row.key).sort()
        const letters = yield* DeadLetters.list({ name: NAME, mapping }).pipe(
          Effect.provide(SqlLedger.layerSqlite(file)),
        )
        expect(letters.map((letter) => letter.key).sort()).toEqual(failedKeys)
        expect(letters[0]?.error).toMatch(/500|server/i)

        const retry = (into: typeof flaky) =>
          DeadLetters.retry({ name: NAME, mapping, maxAttempts: 1, retryBaseDelay: "1 millis" }).pipe(
            Effect.provide(Layer.merge(SqlLedger.layerSqlite(file), into.layer)),
          )
        // still failing: every dead letter stays, with its new error
        const down = yield* crm({ failRate: 1 })
        const again = yield* retry(down)
        expect(again.read).toBe(failedKeys.length)
        expect(again.failed).toBe(failedKeys.length)
        expect(
          (yield* DeadLetters.list({ name: NAME, mapping }).pipe(Effect.provide(SqlLedger.layerSqlite(file))))
            .length,
        ).toBe(failedKeys.length)

        const healthy = yield* crm()
        const retried = yield* retry(healthy)
        expect(retried.read).toBe(failedKeys.length)
        expect(retried.inserted).toBe(failedKeys.length)
        expect(yield* healthy.requests).toBe(Math.ceil(failedKeys.length / 100))
        expect(yield* healthy.people).toEqual(asStored(rows.filter((row) => failedKeys.includes(row.id))))
        expect(
          yield* DeadLetters.list({ name: NAME, mapping }).pipe(Effect.provide(SqlLedger.layerSqlite(file))),
        ).toEqual([])

        // the ledger now knows every row as sent: a full run sends nothing
        const full = yield* sync(healthy, file, rows)
        expect(full.unchanged).toBe(1000)
        expect(full.requests).toBe(0)
        // and a retry with no dead letters sends nothing
        expect((yield* retry(healthy)).read).toBe(0)
      }),
  )

  it.scopedLive(
    "a retry settles, without sending, dead letters whose rows the CRM already has as they are",
    () =>
      Effect.gen(function* () {
        const file = join(yield* tempDir, "state.db")
        const sandbox = yield* crm()
        yield* sync(sandbox, file, people(3))
        // k1 failed in some run with what was accepted before (the source went back to it since)
        const ledger = yield* openLedger(file)
        const known = yield* ledger.acceptedContacts(target, ["k1"])
        yield* ledger.recordDeadLetters(target, [
          { key: "k1", position: "line 3", contact: known.get("k1")!, error: "500" },
        ])
        const before = yield* sandbox.requests
        const report = yield* DeadLetters.retry({ name: NAME, mapping }).pipe(
          Effect.provide(Layer.merge(SqlLedger.layerSqlite(file), sandbox.layer)),
        )
        expect([report.read, report.unchanged, report.requests]).toEqual([1, 1, 0])
        // Only the token check of a run with nothing to send reached the CRM.
        expect(yield* sandbox.requests).toBe(before + 1)
        expect(yield* ledger.deadLetters(target)).toEqual([])
      }),
  )

  it.scopedLive("a second run of the same sync on the same ledger file is refused while the first runs", () =>
    Effect.gen(function* () {
      const file = join(yield* tempDir, "state.db")
      const sandbox = yield* crm()
      const release = yield* Deferred.make<void>()
      const slow = Stream.concat(
        source(people(100)),
        Stream.fromEffect(Deferred.await(release)).pipe(Stream.drain),
      )
      const first = yield* Sync.run({ name: NAME, source: slow, mapping }).pipe(
        Effect.provide(Layer.merge(SqlLedger.layerSqlite(file), sandbox.layer)),
        Effect.fork,
      )
      // wait until the first run holds the lease (its rows are sent)
      yield* Effect.repeat(sandbox.requests, { until: (n) => n >= 1, schedule: Schedule.spaced("20 millis") })
      const refused = yield* Effect.flip(sync(sandbox, file, people(100)))
      expect(refused._tag === "SyncError" && refused.reason).toBe("AlreadyRunning")
      expect(refused.message).toMatch(/another run of sync "crm-contacts" is in progress/)
      // another sync name is another lease
      const other = yield* Sync.run({ name: "other", source: source(people(5)), mapping }).pipe(
        Effect.provide(Layer.merge(SqlLedger.layerSqlite(file), sandbox.layer)),
      )
      expect(other.read).toBe(5)
      yield* Deferred.succeed(release, undefined)
      expect((yield* Fiber.join(first)).inserted).toBe(100)
      expect((yield* sync(sandbox, file, people(100))).unchanged).toBe(100)
    }),
  )
})
