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
import { existsSync, mkdirSync, statSync } from "node:fs"
import { hostname } from "node:os"
import { dirname } from "node:path"
import { Ledger } from "@brainsync/core"
import { Reactivity } from "@effect/experimental"
import { Migrator, SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Context, Duration, Effect, Layer } from "effect"
import { failed, listOf } from "./internal/columns.js"
import * as DeadLetterRows from "./internal/deadLetterRows.js"
import * as Entries from "./internal/entries.js"
import * as Intact from "./internal/intact.js"
import * as Lease from "./internal/lease.js"
import * as Migrations from "./internal/migrations.js"
import * as Runs from "./internal/runs.js"
import * as SqlDefects from "./internal/sqlDefects.js"

/**
 * How runs hold the lease, on any database.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * How long a lease lives without a heartbeat: a crashed run's lease is taken over after this.
   * Default 30 seconds. A run on the machine of a holder whose process is gone (killed, the
   * machine restarted) takes the lease over at once.
   */
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
  /**
   * Check the file's structure when it is opened (SQLite's `PRAGMA quick_check`), so that a damaged
   * file fails the layer instead of being used: about 0.7 s for a ledger of a million rows (390 MB)
   * in the page cache, more when it must be read from disk. Default `true`.
   */
  readonly checkOnOpen?: boolean | undefined
}

/**
 * What a SQL ledger provides: core's `Ledger.Service`.
 *
 * @since 0.1.0
 * @category models
 */
export type Service = Ledger.Service

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

/** How runs hold the lease: who, for how long without a heartbeat, and how often a heartbeat comes. */
const leaseSettings = (options: Options): Lease.Settings => {
  const ttlMillis = Duration.toMillis(Duration.decode(options.leaseTtl ?? "30 seconds"))
  return {
    owner: options.owner ?? `${hostname()} pid ${process.pid}`,
    host: hostname(),
    pid: process.pid,
    ttlMillis,
    heartbeatMillis: Math.max(
      1,
      options.leaseHeartbeat === undefined
        ? ttlMillis / 3
        : Duration.toMillis(Duration.decode(options.leaseHeartbeat)),
    ),
  }
}

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
    const lease = leaseSettings(options)
    return SqlDefects.service({
      lease: (target) =>
        Lease.acquire(target.sync, listOf(target), lease).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
        ),
      ...(yield* Entries.make),
      ...(yield* DeadLetterRows.make),
      ...(yield* Runs.make),
    })
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
 * A `SqlClient` on a SQLite file (created with its folder if missing), in WAL mode with a busy
 * timeout; a file whose structure is damaged fails it (see `checkOnOpen`).
 *
 * @since 0.1.0
 * @category layers
 */
export const sqliteClient = (
  path: string,
  options: Pick<SqliteOptions, "busyTimeout" | "checkOnOpen"> = {},
): Layer.Layer<SqlClient.SqlClient | SqliteClient.SqliteClient, Ledger.LedgerError> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      yield* Effect.try({
        try: () => (path === ":memory:" ? undefined : mkdirSync(dirname(path), { recursive: true })),
        catch: (cause) => new Ledger.LedgerError({ message: `cannot create the folder of ${path}`, cause }),
      })
      if (path !== ":memory:" && existsSync(path) && statSync(path).isDirectory())
        return yield* new Ledger.LedgerError({ message: `cannot open the ledger ${path}: it is a folder` })
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
      if (options.checkOnOpen !== false && path !== ":memory:") yield* Intact.check(client, path)
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
