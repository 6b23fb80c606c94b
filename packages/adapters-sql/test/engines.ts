/**
 * Test helpers for the ledger's internal modules: a fresh, migrated database of each engine, open
 * for the test's scope. SQLite (in memory) always; PostgreSQL when BRAINSYNC_PG_URL names a
 * database the test may create schemas in (see postgres.test.ts), each database in a schema of its own.
 */
import { Reactivity } from "@effect/experimental"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { type Context, Effect, Layer, Redacted, type Scope } from "effect"
import { SqlLedger } from "../src/index.js"

type Database = Effect.Effect<Context.Context<SqlClient.SqlClient>, unknown, Scope.Scope>

const migrated = (database: Database): Database =>
  Effect.tap(database, (context) => Effect.provide(SqlLedger.migrate, context))

const sqlite: Database = migrated(
  Layer.build(SqliteClient.layer({ filename: ":memory:" }).pipe(Layer.provide(Reactivity.layer))),
)

const pgUrl = process.env["BRAINSYNC_PG_URL"]
let schemas = 0

const postgres = (url: string): Database =>
  Effect.gen(function* () {
    const schema = `brainsync_unit_${process.pid}_${++schemas}`
    const admin = PgClient.layer({ url: Redacted.make(url) })
    const run = (statement: string) =>
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(Effect.provide(admin))
    yield* Effect.acquireRelease(run(`CREATE SCHEMA ${schema}`), () =>
      Effect.orDie(run(`DROP SCHEMA ${schema} CASCADE`)),
    )
    const inSchema = `${url}${url.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`
    return yield* Layer.build(PgClient.layer({ url: Redacted.make(inSchema) }))
  }).pipe(migrated)

/** `[name, open a database]` of each engine to test on. */
export const engines: ReadonlyArray<readonly [string, Database]> = [
  ["SQLite", sqlite],
  ...(pgUrl !== undefined ? [["PostgreSQL", postgres(pgUrl)] as const] : []),
]
