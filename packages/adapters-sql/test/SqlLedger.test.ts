import { join } from "node:path"
import { Ledger, type SyncReport } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Migrator, SqlClient } from "@effect/sql"
import { Effect, Exit, Layer, Scope } from "effect"
import { SqlLedger } from "../src/index.js"
import * as Migrations from "../src/internal/migrations.js"
import { openLedger, tempDir } from "./support.js"

const target: Ledger.Target = { sync: "crm", listId: "9fc6ad7d-902a-4834-b161-a4911b883d44" }
const contact = (i: number) => ({
  email: `c${i}@example.com`,
  propertyFields: [{ propertyName: "First Name", propertyValue: `F${i}` }],
})
const accepted = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, j) => {
    const i = from + j
    return { key: `k${i}`, hash: Ledger.hashContact(contact(i)), contact: contact(i) }
  })

describe("SqlLedger", () => {
  it.scopedLive(
    "keeps hashes, contactIds, accepted contacts, dead letters and runs in the file across reopening",
    () =>
      Effect.gen(function* () {
        const file = join(yield* tempDir, "nested", "state.db")
        const first = yield* Scope.make()
        const ledger = yield* openLedger(file).pipe(Scope.extend(first))
        // 12,000 keys: more than one lookup chunk and many insert statements
        yield* ledger.recordAccepted(target, "b1", accepted(0, 12_000))
        yield* ledger.recordContactIds(target, [
          { key: "k1", contactId: 101 },
          { key: "k11999", contactId: 9_007_199_254_740_991 },
          { key: "unknown", contactId: 5 },
        ])
        yield* ledger.recordDeadLetters(target, [
          { key: "k5", position: "line 7", contact: contact(5), error: "500 after 5 attempts" },
          { key: "x1", position: "line 9", contact: contact(9), error: "422: bad email" },
        ])
        yield* ledger.recordAccepted(target, "b2", [{ key: "k5", hash: "changed", contact: contact(5) }])
        const report = { name: "crm", read: 3, requests: 1 } as unknown as SyncReport.SyncReport
        yield* ledger.recordRun(target, { startedAt: 1, finishedAt: 2, report })
        yield* ledger.recordRun(target, { startedAt: 3, finishedAt: 4, report: { ...report, read: 4 } })
        yield* Scope.close(first, Exit.void)

        const reopened = yield* openLedger(file)
        const keys = [...Array.from({ length: 12_000 }, (_, i) => `k${i}`), "new1", "new2"]
        const found = yield* reopened.lookup(target, keys)
        expect(found.size).toBe(12_000)
        expect(found.get("k0")).toEqual({ hash: Ledger.hashContact(contact(0)), contactId: undefined })
        expect(found.get("k1")?.contactId).toBe(101)
        expect(found.get("k11999")?.contactId).toBe(9_007_199_254_740_991)
        expect(found.get("k5")?.hash).toBe("changed")
        expect(found.has("new1")).toBe(false)
        expect((yield* reopened.lookup({ ...target, listId: null }, keys)).size).toBe(0)
        expect((yield* reopened.lookup({ ...target, sync: "other" }, keys)).size).toBe(0)

        const contacts = yield* reopened.acceptedContacts(target, ["k3", "new1"])
        expect([...contacts]).toEqual([["k3", contact(3)]])

        // k5 was accepted after it was dead-lettered: only x1 is left
        expect(yield* reopened.deadLetters(target)).toEqual([
          { key: "x1", position: "line 9", contact: contact(9), error: "422: bad email" },
        ])
        const runs = yield* reopened.runs(target, 10)
        expect(runs.map((run) => [run.startedAt, run.report.read])).toEqual([
          [3, 4],
          [1, 3],
        ])
        expect(yield* reopened.runs(target, 1)).toHaveLength(1)
      }),
  )

  it.scopedLive("a contactId learned before a later accept of the same key is kept", () =>
    Effect.gen(function* () {
      const ledger = yield* openLedger(join(yield* tempDir, "state.db"))
      yield* ledger.recordAccepted(target, "b1", accepted(0, 2))
      yield* ledger.recordContactIds(target, [{ key: "k0", contactId: 7 }])
      yield* ledger.recordAccepted(target, "b2", [{ key: "k0", hash: "h2", contact: contact(0) }])
      expect((yield* ledger.lookup(target, ["k0"])).get("k0")).toEqual({ hash: "h2", contactId: 7 })
    }),
  )

  it.scopedLive("upgrades a ledger file written by migration 1 only, keeping its entries", () =>
    Effect.gen(function* () {
      const file = join(yield* tempDir, "old.db")
      const old = yield* Scope.make()
      const sql = yield* Layer.build(SqlLedger.sqliteClient(file)).pipe(
        Effect.map((context) => context),
        Scope.extend(old),
      )
      const ran = yield* Migrator.make({})({
        loader: Migrator.fromRecord({ "1_initial": Migrations.all["1_initial"] }),
        table: Migrations.TABLE,
      }).pipe(Effect.provide(sql))
      expect(ran).toEqual([[1, "initial"]])
      yield* Effect.gen(function* () {
        const client = yield* SqlClient.SqlClient
        yield* client`INSERT INTO brainsync_entries (sync, list, key, hash, contact_id, batch_id, updated_at)
          VALUES (${target.sync}, ${target.listId}, 'old-key', 'old-hash', 42, 'b0', 0)`
      }).pipe(Effect.provide(sql))
      yield* Scope.close(old, Exit.void)

      const ledger = yield* openLedger(file)
      expect((yield* ledger.lookup(target, ["old-key"])).get("old-key")).toEqual({
        hash: "old-hash",
        contactId: 42,
      })
      yield* ledger.recordAccepted(target, "b1", [{ key: "old-key", hash: "new-hash", contact: contact(1) }])
      expect((yield* ledger.lookup(target, ["old-key"])).get("old-key")).toEqual({
        hash: "new-hash",
        contactId: 42,
      })
      expect(yield* ledger.acceptedContacts(target, ["old-key"])).toEqual(new Map([["old-key", contact(1)]]))
      const applied = yield* Effect.gen(function* () {
        const client = yield* SqlClient.SqlClient
        return yield* client<{
          migration_id: number
        }>`SELECT migration_id FROM brainsync_migrations ORDER BY migration_id`
      }).pipe(Effect.provide(SqlLedger.sqliteClient(file)))
      expect(applied.map((row) => row.migration_id)).toEqual([1, 2, 3])
    }),
  )

  describe("lease", () => {
    it.scopedLive("refuses a second holder on the same file until the first releases it", () =>
      Effect.gen(function* () {
        const file = join(yield* tempDir, "state.db")
        const a = yield* openLedger(file, { owner: "run A" })
        const b = yield* openLedger(file, { owner: "run B" })
        const held = yield* Scope.make()
        yield* a.lease(target).pipe(Scope.extend(held))
        const refused = yield* Effect.flip(Effect.scoped(b.lease(target)))
        expect(refused._tag).toBe("LeaseHeld")
        expect(refused.message).toMatch(/another run of sync "crm" is in progress \(run A #\w+/)
        // another list of the same sync is another target
        yield* Effect.scoped(b.lease({ ...target, listId: null }))
        yield* Scope.close(held, Exit.void)
        yield* Effect.scoped(b.lease(target))
      }),
    )

    it.scopedLive(
      "a live holder's heartbeat keeps the lease past its ttl; a dead holder's lease is taken over after it",
      () =>
        Effect.gen(function* () {
          const file = join(yield* tempDir, "state.db")
          const options = { leaseTtl: "300 millis", leaseHeartbeat: "50 millis" } as const
          const a = yield* openLedger(file, options)
          const b = yield* openLedger(file, options)
          const held = yield* Scope.make()
          yield* a.lease(target).pipe(Scope.extend(held))
          yield* Effect.sleep("700 millis")
          expect((yield* Effect.flip(Effect.scoped(b.lease(target))))._tag).toBe("LeaseHeld")

          yield* Scope.close(held, Exit.void)

          // a crashed holder (killed: no release, no heartbeat) leaves its row behind
          yield* Effect.gen(function* () {
            const client = yield* SqlClient.SqlClient
            const now = Date.now()
            yield* client`INSERT INTO brainsync_leases (sync, list, owner, acquired_at, heartbeat_at, expires_at)
            VALUES ('crashing', ${target.listId}, 'dead run', ${now}, ${now}, ${now + 300})`
          }).pipe(Effect.provide(SqlLedger.sqliteClient(file)))
          const crashing = { ...target, sync: "crashing" }
          const refused = yield* Effect.flip(Effect.scoped(b.lease(crashing)))
          expect(refused.message).toMatch(/dead run.*expires in/)
          yield* Effect.sleep("400 millis")
          yield* Effect.scoped(b.lease(crashing))
        }),
    )
  })
})
