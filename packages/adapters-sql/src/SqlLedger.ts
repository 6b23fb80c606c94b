/**
 * Core's `Ledger` on `@effect/sql`: a SQLite file by default (`layerSqlite`), or any `SqlClient`
 * (`layer`; PostgreSQL through `@effect/sql-pg` for state shared between machines).
 *
 * ```ts
 * Sync.run({ name: "crm-contacts", source, mapping }).pipe(
 *   Effect.provide(SqlLedger.layerSqlite(".brainsync/state.db")),
 * )
 * ```
 *
 * Every read and write is one statement per chunk of keys, in a transaction per call. The schema
 * is created and upgraded by migrations (`migrate`) when the ledger is made.
 *
 * @since 0.1.0
 * @module
 */
import { mkdirSync } from "node:fs"
import { hostname } from "node:os"
import { dirname } from "node:path"
import { Contact, Ledger, type SyncReport } from "@brainsync/core"
import { Reactivity } from "@effect/experimental"
import { Migrator, SqlClient, type SqlError } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Context, Duration, Effect, Either, Layer, Schema } from "effect"
import { chunksOf, lastByKey } from "./internal/chunks.js"
import * as Lease from "./internal/lease.js"
import * as Migrations from "./internal/migrations.js"

/**
 * How runs hold the lease, on any database.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How long a lease lives without a heartbeat: a crashed run's lease is taken over after this. Default 30 seconds. */
  readonly leaseTtl?: Duration.DurationInput | undefined
  /** How often a running sync renews its lease; default a third of `leaseTtl`. */
  readonly leaseHeartbeat?: Duration.DurationInput | undefined
  /** Who holds a lease, shown to a refused run; default `<host> pid <pid>`. */
  readonly owner?: string | undefined
}

/**
 * `Options`, plus how long SQLite waits for another process's lock.
 *
 * @since 0.1.0
 * @category models
 */
export interface SqliteOptions extends Options {
  /** How long a statement waits for another process's write lock before failing; default 5 seconds. */
  readonly busyTimeout?: Duration.DurationInput | undefined
}

/**
 * What a SQL ledger provides: core's `Ledger.Service`.
 *
 * @since 0.1.0
 * @category models
 */
export type Service = Ledger.Service

/** Keys per lookup statement: SQLite takes them as one JSON parameter; other engines as `IN (...)` parameters. */
const SQLITE_LOOKUP_CHUNK = 5000
const PARAMETER_CHUNK = 500

const failed = (what: string) => (cause: SqlError.SqlError | Migrator.MigrationError) =>
  new Ledger.LedgerError({ message: `${what}: ${cause.message}`, cause })

/**
 * Runs the migrations this database has not seen yet; returns those it ran.
 *
 * @since 0.1.0
 * @category utils
 */
export const migrate: Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  Ledger.LedgerError,
  SqlClient.SqlClient
> = Migrator.make({})({ loader: Migrator.fromRecord(Migrations.all), table: Migrations.TABLE }).pipe(
  Effect.mapError(failed("cannot migrate the ledger")),
)

// A contact's encoded form is itself (plain JSON values); reads decode it with the schema.
const encodeContact = (contact: Contact.Contact): string => JSON.stringify(contact)
const decodeContact = Schema.decodeUnknownEither(Schema.parseJson(Contact.Contact))

const listOf = (target: Ledger.Target) => target.listId ?? ""
const toNumber = (value: unknown): number | undefined =>
  value === null || value === undefined ? undefined : Number(value)

/**
 * The ledger over the `SqlClient` in the context; migrates the schema first.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {},
): Effect.Effect<Service, Ledger.LedgerError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* migrate
    const ttlMillis = Duration.toMillis(Duration.decode(options.leaseTtl ?? "30 seconds"))
    const lease: Lease.Settings = {
      owner: options.owner ?? `${hostname()} pid ${process.pid}`,
      ttlMillis,
      heartbeatMillis: Math.max(
        1,
        options.leaseHeartbeat === undefined
          ? ttlMillis / 3
          : Duration.toMillis(Duration.decode(options.leaseHeartbeat)),
      ),
    }
    const isSqlite = sql.onDialectOrElse({ sqlite: () => true, orElse: () => false })

    const keysIn = (keys: ReadonlyArray<string>) =>
      isSqlite ? sql`(SELECT value FROM json_each(${JSON.stringify(keys)}))` : sql.in(keys)

    const selectByKeys = <A>(
      keys: ReadonlyArray<string>,
      query: (part: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<A>, SqlError.SqlError>,
    ) =>
      Effect.reduce(
        chunksOf(keys, isSqlite ? SQLITE_LOOKUP_CHUNK : PARAMETER_CHUNK),
        [] as Array<A>,
        (all, part) =>
          Effect.map(query(part), (rows) => {
            for (const row of rows) all.push(row)
            return all
          }),
      )

    const service: Service = {
      lease: (target) =>
        Lease.acquire(target.sync, listOf(target), lease).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
        ),

      lookup: (target, keys) =>
        selectByKeys(
          keys,
          (part) =>
            sql`SELECT key, hash, contact_id FROM brainsync_entries
              WHERE sync = ${target.sync} AND list = ${listOf(target)} AND key IN ${keysIn(part)}`.values,
        ).pipe(
          Effect.map((rows) => {
            const found = new Map<string, Ledger.Entry>()
            for (const [key, hash, contactId] of rows)
              found.set(String(key), { hash: String(hash), contactId: toNumber(contactId) })
            return found
          }),
          Effect.mapError(failed("cannot read the ledger")),
        ),

      acceptedContacts: (target, keys) =>
        selectByKeys(
          keys,
          (part) =>
            sql`SELECT key, contact FROM brainsync_accepted
              WHERE sync = ${target.sync} AND list = ${listOf(target)} AND key IN ${keysIn(part)}`.values,
        ).pipe(
          Effect.mapError(failed("cannot read the ledger")),
          Effect.flatMap((rows) => {
            const found = new Map<string, Contact.Contact>()
            for (const [key, text] of rows) {
              const contact = decodeContact(text)
              if (Either.isLeft(contact))
                return Effect.fail(
                  new Ledger.LedgerError({
                    message: `the ledger holds a bad contact for key ${String(key)}`,
                  }),
                )
              found.set(String(key), contact.right)
            }
            return Effect.succeed(found)
          }),
        ),

      recordAccepted: (target, batchId, rows) =>
        Effect.gen(function* () {
          const now = Date.now()
          const list = listOf(target)
          for (const part of chunksOf(lastByKey(rows), PARAMETER_CHUNK)) {
            yield* sql`INSERT INTO brainsync_entries ${sql.insert(
              part.map((row) => ({
                sync: target.sync,
                list,
                key: row.key,
                hash: row.hash,
                batch_id: batchId,
                updated_at: now,
              })),
            )} ON CONFLICT (sync, list, key) DO UPDATE SET hash = excluded.hash,
              batch_id = excluded.batch_id, updated_at = excluded.updated_at`
            yield* sql`INSERT INTO brainsync_accepted ${sql.insert(
              part.map((row) => ({
                sync: target.sync,
                list,
                key: row.key,
                contact: encodeContact(row.contact),
              })),
            )} ON CONFLICT (sync, list, key) DO UPDATE SET contact = excluded.contact`
            yield* sql`DELETE FROM brainsync_dead_letters WHERE sync = ${target.sync} AND list = ${list}
              AND key IN ${sql.in(part.map((row) => row.key))}`
          }
        }).pipe(sql.withTransaction, Effect.mapError(failed("cannot record an accepted batch"))),

      recordContactIds: (target, rows) =>
        Effect.forEach(
          chunksOf(lastByKey(rows), PARAMETER_CHUNK),
          (part) =>
            sql`UPDATE brainsync_entries SET contact_id = CAST(v.column2 AS BIGINT)
              FROM (VALUES ${sql.csv(part.map((row) => sql`(${row.key}, ${row.contactId})`))}) AS v
              WHERE brainsync_entries.sync = ${target.sync} AND brainsync_entries.list = ${listOf(target)}
                AND brainsync_entries.key = v.column1`,
          { discard: true },
        ).pipe(sql.withTransaction, Effect.mapError(failed("cannot record contactIds"))),

      recordDeadLetters: (target, rows) =>
        Effect.gen(function* () {
          const now = Date.now()
          for (const part of chunksOf(lastByKey(rows), PARAMETER_CHUNK))
            yield* sql`INSERT INTO brainsync_dead_letters ${sql.insert(
              part.map((row) => ({
                sync: target.sync,
                list: listOf(target),
                key: row.key,
                position: row.position,
                contact: encodeContact(row.contact),
                error: row.error,
                updated_at: now,
              })),
            )} ON CONFLICT (sync, list, key) DO UPDATE SET position = excluded.position,
              contact = excluded.contact, error = excluded.error, updated_at = excluded.updated_at`
        }).pipe(sql.withTransaction, Effect.mapError(failed("cannot record dead letters"))),

      deadLetters: (target) =>
        sql<{
          readonly key: string
          readonly position: string
          readonly contact: string
          readonly error: string
        }>`
          SELECT key, position, contact, error FROM brainsync_dead_letters
          WHERE sync = ${target.sync} AND list = ${listOf(target)} ORDER BY updated_at, key`.pipe(
          Effect.mapError(failed("cannot read dead letters")),
          Effect.flatMap((rows) =>
            Effect.forEach(rows, (row) =>
              Either.match(decodeContact(row.contact), {
                onLeft: () =>
                  Effect.fail(
                    new Ledger.LedgerError({
                      message: `the ledger holds a bad dead letter for key ${row.key}`,
                    }),
                  ),
                onRight: (contact) =>
                  Effect.succeed<Ledger.DeadLetter>({
                    key: row.key,
                    position: row.position,
                    contact,
                    error: row.error,
                  }),
              }),
            ),
          ),
        ),

      recordRun: (target, run) =>
        sql`INSERT INTO brainsync_runs ${sql.insert({
          sync: target.sync,
          list: listOf(target),
          started_at: run.startedAt,
          finished_at: run.finishedAt,
          report: JSON.stringify(run.report),
        })}`.pipe(Effect.asVoid, Effect.mapError(failed("cannot record the run"))),

      runs: (target, limit) =>
        sql<{ readonly started_at: unknown; readonly finished_at: unknown; readonly report: string }>`
          SELECT started_at, finished_at, report FROM brainsync_runs
          WHERE sync = ${target.sync} AND list = ${listOf(target)} ORDER BY id DESC LIMIT ${limit}`.pipe(
          Effect.map((rows) =>
            rows.map((row): Ledger.RunRecord => ({
              startedAt: Number(row.started_at),
              finishedAt: Number(row.finished_at),
              // Written by `recordRun` from a `SyncReport`: plain JSON data.
              report: JSON.parse(row.report) as SyncReport.SyncReport,
            })),
          ),
          Effect.mapError(failed("cannot read the run history")),
        ),
    }
    return service
  })

/**
 * The ledger over the `SqlClient` the layer is given (SQLite, PostgreSQL, ...).
 *
 * @example
 * ```ts
 * import { SqlLedger } from "@brainsync/adapters-sql"
 * import { PgClient } from "@effect/sql-pg"
 * import { Config, Layer } from "effect"
 *
 * // State shared between machines: the ledger in PostgreSQL (its tables are made when the layer is built)
 * const LedgerLive = SqlLedger.layer({ leaseTtl: "1 minute" }).pipe(
 *   Layer.provide(PgClient.layerConfig({ url: Config.redacted("DATABASE_URL") })),
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {},
): Layer.Layer<Ledger.Ledger, Ledger.LedgerError, SqlClient.SqlClient> =>
  Layer.effect(Ledger.Ledger, make(options))

/**
 * A `SqlClient` on a SQLite file (created with its folder if missing), in WAL mode with a busy timeout.
 *
 * @since 0.1.0
 * @category layers
 */
export const sqliteClient = (
  path: string,
  options: Pick<SqliteOptions, "busyTimeout"> = {},
): Layer.Layer<SqlClient.SqlClient | SqliteClient.SqliteClient, Ledger.LedgerError> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      yield* Effect.try({
        try: () => (path === ":memory:" ? undefined : mkdirSync(dirname(path), { recursive: true })),
        catch: (cause) => new Ledger.LedgerError({ message: `cannot create the folder of ${path}`, cause }),
      })
      const client = yield* SqliteClient.make({ filename: path }).pipe(
        Effect.catchAllDefect((cause) =>
          Effect.fail(
            new Ledger.LedgerError({ message: `cannot open the ledger ${path}: ${String(cause)}`, cause }),
          ),
        ),
      )
      const busyMillis = Math.round(Duration.toMillis(Duration.decode(options.busyTimeout ?? "5 seconds")))
      // NORMAL is durable against a killed process in WAL mode (only a power loss can drop the last commits).
      yield* client
        .unsafe(`PRAGMA busy_timeout = ${busyMillis}`)
        .pipe(
          Effect.zipRight(client.unsafe("PRAGMA synchronous = NORMAL")),
          Effect.mapError(failed(`cannot open the ledger ${path}`)),
        )
      return Context.make(SqliteClient.SqliteClient, client).pipe(Context.add(SqlClient.SqlClient, client))
    }),
  ).pipe(Layer.provide(Reactivity.layer))

/**
 * The ledger in a SQLite file, e.g. `.brainsync/state.db`.
 *
 * @example
 * ```ts
 * import { CsvSource } from "@brainsync/adapters-csv"
 * import { MainBrainer } from "@brainsync/adapters-http"
 * import { SqlLedger } from "@brainsync/adapters-sql"
 * import { Mapping, Sync } from "@brainsync/core"
 * import { Effect, Layer } from "effect"
 *
 * // With the ledger, each run sends only the rows that changed since they were last accepted
 * const program = Sync.run({
 *   name: "crm-contacts",
 *   source: CsvSource.fromFile("export.csv"),
 *   mapping: Mapping.make({ key: "external_id", fields: { email: "email" } }),
 * }).pipe(
 *   Effect.provide(Layer.merge(MainBrainer.layerConfig(), SqlLedger.layerSqlite(".brainsync/state.db"))),
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSqlite = (
  path: string,
  options: SqliteOptions = {},
): Layer.Layer<Ledger.Ledger, Ledger.LedgerError> =>
  layer(options).pipe(Layer.provide(sqliteClient(path, options)))
