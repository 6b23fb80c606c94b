import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Chunk, Effect, Stream } from "effect"
import { SqlLedger, SqlSource } from "../src/index.js"
import { tempDir } from "./support.js"

/** A SQLite file with `customers` (id 1..n, ids 7 and 8 missing) and `memberships` keyed by (tenant, seq). */
const database = (n: number) =>
  Effect.gen(function* () {
    const file = join(yield* tempDir, "source.db")
    const client = SqlLedger.sqliteClient(file)
    yield* Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, first_name TEXT, active INTEGER)`
      yield* sql`CREATE TABLE memberships (tenant INTEGER, seq INTEGER, email TEXT, PRIMARY KEY (tenant, seq))`
      const ids = Array.from({ length: n }, (_, i) => i + 1).filter((id) => id !== 7 && id !== 8)
      for (let i = 0; i < ids.length; i += 500)
        yield* sql`INSERT INTO customers ${sql.insert(
          ids
            .slice(i, i + 500)
            .map((id) => ({ id, email: `c${id}@example.com`, first_name: `F${id}`, active: id % 2 })),
        )}`
      yield* sql`INSERT INTO memberships ${sql.insert(
        Array.from({ length: 30 }, (_, i) => ({
          tenant: Math.floor(i / 7),
          seq: 7 - (i % 7),
          email: `m${i}@example.com`,
        })),
      )}`
    }).pipe(Effect.provide(client))
    return SqlSource.sqliteClient(file)
  })

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Stream.runCollect(Stream.chunks(stream)).pipe(
    Effect.map((chunks) => Chunk.toReadonlyArray(chunks).map(Chunk.toReadonlyArray)),
  )

describe("SqlSource", () => {
  it.scopedLive("reads a table in cursor order, one chunk per page, with `id N` positions", () =>
    Effect.gen(function* () {
      const client = yield* database(2502)
      const pages = yield* collect(
        SqlSource.fromTable({ table: "customers", cursor: "id", pageSize: 1000 }),
      ).pipe(Effect.provide(client))
      expect(pages.map((page) => page.length)).toEqual([1000, 1000, 500])
      const rows = pages.flat()
      expect(rows.map((row) => row.fields["id"])).toEqual(
        Array.from({ length: 2502 }, (_, i) => i + 1).filter((id) => id !== 7 && id !== 8),
      )
      expect(rows[0]).toEqual({
        position: "id 1",
        fields: { id: 1, email: "c1@example.com", first_name: "F1", active: 1 },
      })
      expect(rows[999]?.position).toBe("id 1002")
    }),
  )

  it.scopedLive(
    "reads chosen columns (the cursor always), resumes after a position, and ends on an exactly full last page",
    () =>
      Effect.gen(function* () {
        const client = yield* database(1002) // 1000 rows: pages of 500, 500 and an empty one
        const pages = yield* collect(
          SqlSource.fromTable({ table: "customers", cursor: "id", pageSize: 500, columns: ["email"] }),
        ).pipe(Effect.provide(client))
        expect(pages.map((page) => page.length)).toEqual([500, 500])
        expect(pages[0]?.[0]?.fields).toEqual({ id: 1, email: "c1@example.com" })
        const resumed = yield* collect(
          SqlSource.fromTable({ table: "customers", cursor: "id", pageSize: 400, after: [990] }),
        ).pipe(Effect.provide(client))
        expect(resumed.flat().map((row) => row.position)).toEqual(
          Array.from({ length: 12 }, (_, i) => `id ${991 + i}`),
        )
      }),
  )

  it.scopedLive("pages on a compound cursor without skipping or repeating rows across page edges", () =>
    Effect.gen(function* () {
      const client = yield* database(10)
      const pages = yield* collect(
        SqlSource.fromTable({ table: "memberships", cursor: ["tenant", "seq"], pageSize: 4 }),
      ).pipe(Effect.provide(client))
      const rows = pages.flat()
      expect(rows).toHaveLength(30)
      expect(new Set(rows.map((row) => row.fields["email"])).size).toBe(30)
      expect(rows.slice(0, 2).map((row) => row.position)).toEqual(["tenant 0, seq 1", "tenant 0, seq 2"])
      expect(rows[7]?.position).toBe("tenant 1, seq 1")
      expect(pages.map((page) => page.length)).toEqual([4, 4, 4, 4, 4, 4, 4, 2])
    }),
  )

  it.scopedLive("reads a query with parameters as a subquery", () =>
    Effect.gen(function* () {
      const client = yield* database(100)
      const rows = yield* Stream.runCollect(
        SqlSource.fromQuery({
          query: "SELECT id, email FROM customers WHERE active = ? AND id > ?",
          params: [1, 50],
          cursor: "id",
          pageSize: 7,
        }),
      ).pipe(Effect.provide(client))
      expect(Chunk.toReadonlyArray(rows).map((row) => row.fields["id"])).toEqual(
        Array.from({ length: 25 }, (_, i) => 51 + 2 * i),
      )
    }),
  )

  it.scopedLive(
    "fails with a SourceError naming the source: a missing table, a bad page size, a null cursor",
    () =>
      Effect.gen(function* () {
        const client = yield* database(3)
        const missing = yield* Effect.flip(
          Stream.runDrain(SqlSource.fromTable({ table: "nope", cursor: "id" })).pipe(Effect.provide(client)),
        )
        expect(missing._tag).toBe("SourceError")
        expect(missing.message).toMatch(/^cannot read nope: /)
        const badSize = yield* Effect.flip(
          Stream.runDrain(SqlSource.fromTable({ table: "customers", cursor: "id", pageSize: 0 })).pipe(
            Effect.provide(client),
          ),
        )
        expect(badSize.message).toMatch(/pageSize must be a whole number/)
        const nullCursor = yield* Effect.flip(
          Stream.runDrain(
            SqlSource.fromQuery({ query: "SELECT id, NULL AS k FROM customers", cursor: "k", name: "nulls" }),
          ).pipe(Effect.provide(client)),
        )
        expect(nullCursor.message).toMatch(/^nulls: a row has no value in the cursor column\(s\) k/)
        const noFile = yield* Effect.flip(
          Stream.runDrain(SqlSource.fromTable({ table: "customers", cursor: "id" })).pipe(
            Effect.provide(SqlSource.sqliteClient("/nonexistent/source.db")),
          ),
        )
        expect(noFile.message).toMatch(/^cannot open the SQLite database \/nonexistent\/source.db/)
      }),
  )
})
