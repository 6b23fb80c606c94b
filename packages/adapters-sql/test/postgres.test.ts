/**
 * The ledger on PostgreSQL. Runs only when BRAINSYNC_PG_URL names a database it may create tables
 * in (e.g. `postgres://postgres@127.0.0.1:5432/postgres`); each run uses its own schema.
 */
import { Ledger } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted, Scope, Exit } from "effect"
import { SqlLedger } from "../src/index.js"

const url = process.env["BRAINSYNC_PG_URL"]
const schema = `brainsync_test_${process.pid}`
const target: Ledger.Target = { sync: "crm", listId: null }

describe.skipIf(url === undefined)("SqlLedger on PostgreSQL", () => {
  it.scopedLive("keeps entries, contactIds, dead letters, runs and the lease", () =>
    Effect.gen(function* () {
      const admin = PgClient.layer({ url: Redacted.make(url ?? "") })
      yield* Effect.acquireRelease(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`CREATE SCHEMA ${schema}`)).pipe(
          Effect.provide(admin),
        ),
        () =>
          Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA ${schema} CASCADE`)).pipe(
            Effect.provide(admin),
            Effect.orDie,
          ),
      )
      // every pooled connection starts in the test's schema
      const inSchema = `${url ?? ""}${url?.includes("?") === true ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`
      const open = (owner: string) =>
        Layer.build(PgClient.layer({ url: Redacted.make(inSchema) })).pipe(
          Effect.flatMap((context) => Effect.provide(SqlLedger.make({ owner }), context)),
        )
      const ledger = yield* open("A")
      const where = yield* Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql<{
            readonly table_schema: string
          }>`SELECT table_schema FROM information_schema.tables WHERE table_name = 'brainsync_entries'`,
      ).pipe(Effect.provide(admin))
      expect(where.map((row) => row.table_schema)).toEqual([schema])
      const keys = Array.from({ length: 1200 }, (_, i) => `k${i}`)
      yield* ledger.recordAccepted(
        target,
        "b1",
        keys.map((key) => ({ key, hash: `h-${key}`, contact: { email: `${key}@example.com` } })),
      )
      yield* ledger.recordContactIds(target, [{ key: "k7", contactId: 9_007_199_254_740_991 }])
      const found = yield* ledger.lookup(target, [...keys, "nope"])
      expect(found.size).toBe(1200)
      expect(found.get("k7")).toEqual({ hash: "h-k7", contactId: 9_007_199_254_740_991 })
      expect(yield* ledger.acceptedContacts(target, ["k3"])).toEqual(
        new Map([["k3", { email: "k3@example.com" }]]),
      )
      yield* ledger.recordDeadLetters(target, [
        { key: "x", position: "line 2", contact: { email: "x@example.com" }, error: "500" },
      ])
      expect((yield* ledger.deadLetters(target)).map((letter) => letter.key)).toEqual(["x"])
      yield* ledger.recordAccepted(target, "b2", [
        { key: "x", hash: "hx", contact: { email: "x@example.com" } },
      ])
      expect(yield* ledger.deadLetters(target)).toEqual([])
      yield* ledger.recordRun(target, { startedAt: 1, finishedAt: 2, report: { read: 1 } as never })
      expect((yield* ledger.runs(target, 5)).map((run) => run.finishedAt)).toEqual([2])

      const held = yield* Scope.make()
      yield* ledger.lease(target).pipe(Scope.extend(held))
      const other = yield* open("B")
      expect((yield* Effect.flip(Effect.scoped(other.lease(target))))._tag).toBe("LeaseHeld")
      yield* Scope.close(held, Exit.void)
      yield* Effect.scoped(other.lease(target))
    }),
  )
})
