/**
 * The ledger's schema, one migration per change, so that a ledger file written by an older
 * version keeps working: `Migrator` runs the ones a database has not seen yet, in order.
 * Tables are prefixed `brainsync_` so the ledger can share a database with the user's own tables.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

const initial = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // Narrow rows keyed by (sync, list, key): the diff reads only these; SQLite keeps them in the primary key's B-tree.
  const withoutRowid = sql.onDialectOrElse({
    sqlite: () => sql.literal("WITHOUT ROWID"),
    orElse: () => sql.literal(""),
  })
  const runId = sql.onDialectOrElse({
    sqlite: () => sql.literal("id INTEGER PRIMARY KEY AUTOINCREMENT"),
    pg: () => sql.literal("id BIGSERIAL PRIMARY KEY"),
    orElse: () => sql.literal("id INTEGER PRIMARY KEY"),
  })
  yield* sql`CREATE TABLE brainsync_entries (
    sync TEXT NOT NULL,
    list TEXT NOT NULL,
    key TEXT NOT NULL,
    hash TEXT NOT NULL,
    contact_id BIGINT,
    batch_id TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (sync, list, key)
  ) ${withoutRowid}`
  yield* sql`CREATE TABLE brainsync_runs (
    ${runId},
    sync TEXT NOT NULL,
    list TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    report TEXT NOT NULL
  )`
  yield* sql`CREATE INDEX brainsync_runs_by_target ON brainsync_runs (sync, list, id)`
  yield* sql`CREATE TABLE brainsync_dead_letters (
    sync TEXT NOT NULL,
    list TEXT NOT NULL,
    key TEXT NOT NULL,
    position TEXT NOT NULL,
    contact TEXT NOT NULL,
    error TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (sync, list, key)
  )`
  yield* sql`CREATE TABLE brainsync_leases (
    sync TEXT NOT NULL,
    list TEXT NOT NULL,
    owner TEXT NOT NULL,
    acquired_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (sync, list)
  )`
})

/** The contact as last accepted, for dry-run diffs: its own table, so that the diff's lookups stay narrow. */
const acceptedContacts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE brainsync_accepted (
    sync TEXT NOT NULL,
    list TEXT NOT NULL,
    key TEXT NOT NULL,
    contact TEXT NOT NULL,
    PRIMARY KEY (sync, list, key)
  )`
})

/** The lease's holder's machine and process: a run on the same machine takes over the lease of a holder whose process is gone. */
const leaseHolderProcess = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE brainsync_leases ADD COLUMN host TEXT`
  yield* sql`ALTER TABLE brainsync_leases ADD COLUMN pid BIGINT`
})

export const all = {
  "1_initial": initial,
  "2_accepted_contacts": acceptedContacts,
  "3_lease_holder_process": leaseHolderProcess,
} as const

export const TABLE = "brainsync_migrations"
