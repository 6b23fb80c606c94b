/**
 * Rows of a SQL table or query as a source, read a page at a time with keyset pagination on a
 * cursor column (or columns): `WHERE (cursor) > (last page's last value) ORDER BY cursor LIMIT n`.
 * Each page is one query and one chunk of the stream, so a table of any size streams in constant
 * memory and a page costs the same at the end of the table as at the start.
 *
 * ```ts
 * const source = SqlSource.fromTable({ table: "customers", cursor: "id", pageSize: 1000 })
 * //    ^? Stream<SourceRow, SourceError, SqlClient>   positions read `id 42`
 * ```
 *
 * @since 0.1.0
 * @module
 */
import { SourceRow } from "@brainsync/core"
import { Reactivity } from "@effect/experimental"
import { SqlClient, type SqlError, type Statement } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Chunk, Effect, Layer, Option, Stream } from "effect"

interface Common {
  /** The column(s) that order the rows and that every page continues after; unique together (a primary key). */
  readonly cursor: string | ReadonlyArray<string>
  /** Rows per page (and per chunk of the stream); default 1000. */
  readonly pageSize?: number | undefined
  /** Start after these cursor values (one per cursor column) instead of at the beginning. */
  readonly after?: ReadonlyArray<unknown> | undefined
}

/**
 * A table to read, and which of its columns.
 *
 * @since 0.1.0
 * @category models
 */
export interface TableOptions extends Common {
  readonly table: string
  /** Columns to read; default all. The cursor columns are read in any case. */
  readonly columns?: ReadonlyArray<string> | undefined
}

/**
 * A query to read, with its parameters.
 *
 * @since 0.1.0
 * @category models
 */
export interface QueryOptions extends Common {
  /** A `SELECT` whose result includes the cursor columns; it is wrapped as a subquery, so it must not have `ORDER BY`/`LIMIT`. */
  readonly query: string
  /** Parameters of `query` (`?` placeholders on SQLite, `$1` on PostgreSQL). */
  readonly params?: ReadonlyArray<unknown> | undefined
  /** A name for error messages; default `SQL query`. */
  readonly name?: string | undefined
}

const cursorColumns = (cursor: Common["cursor"]): ReadonlyArray<string> =>
  typeof cursor === "string" ? [cursor] : cursor

/**
 * `id 42`, or `tenant 3, id 42` with several cursor columns.
 *
 * @since 0.1.0
 * @category utils
 */
export const position = (columns: ReadonlyArray<string>, values: ReadonlyArray<unknown>): string =>
  columns.map((column, i) => `${column} ${String(values[i])}`).join(", ")

const paginate = (
  name: string,
  options: Common,
  from: (sql: SqlClient.SqlClient) => Statement.Fragment,
  select: (sql: SqlClient.SqlClient) => Statement.Fragment,
): Stream.Stream<SourceRow.SourceRow, SourceRow.SourceError, SqlClient.SqlClient> => {
  const columns = cursorColumns(options.cursor)
  const pageSize = options.pageSize ?? 1000
  const fail = (message: string, cause?: unknown) =>
    new SourceRow.SourceError({ source: name, message, cause })
  if (columns.length === 0) return Stream.fail(fail(`${name}: the cursor needs at least one column`))
  if (!Number.isInteger(pageSize) || pageSize < 1)
    return Stream.fail(fail(`${name}: pageSize must be a whole number of at least 1, not ${pageSize}`))
  if (options.after !== undefined && options.after.length !== columns.length)
    return Stream.fail(fail(`${name}: after needs one value per cursor column (${columns.join(", ")})`))

  return Stream.unwrap(
    Effect.map(SqlClient.SqlClient, (sql) => {
      const ids = columns.map((column) => sql`${sql(column)}`)
      const orderBy = sql.csv(ids)
      const page = (after: ReadonlyArray<unknown> | undefined) =>
        sql<Record<string, unknown>>`SELECT ${select(sql)} FROM ${from(sql)} ${
          after === undefined
            ? sql``
            : sql`WHERE (${sql.csv(ids)}) > (${sql.csv(after.map((value) => sql`${value}`))})`
        } ORDER BY ${orderBy} LIMIT ${pageSize}`
      interface State {
        readonly after: ReadonlyArray<unknown> | undefined
        readonly done: boolean
      }
      return Stream.unfoldChunkEffect(
        { after: options.after, done: false } as State,
        (
          state,
        ): Effect.Effect<
          Option.Option<readonly [Chunk.Chunk<SourceRow.SourceRow>, State]>,
          SourceRow.SourceError
        > =>
          state.done
            ? Effect.succeed(Option.none())
            : page(state.after).pipe(
                Effect.mapError((error: SqlError.SqlError) =>
                  fail(`cannot read ${name}: ${error.message}`, error),
                ),
                Effect.flatMap((rows) => {
                  if (rows.length === 0) return Effect.succeed(Option.none())
                  const out: Array<SourceRow.SourceRow> = new Array(rows.length)
                  let last: ReadonlyArray<unknown> = []
                  for (let i = 0; i < rows.length; i++) {
                    const fields = rows[i]!
                    last = columns.map((column) => fields[column])
                    if (last.some((value) => value === undefined || value === null))
                      return Effect.fail(
                        fail(
                          `${name}: a row has no value in the cursor column(s) ${columns.join(", ")} (after ${position(columns, state.after ?? [])})`,
                        ),
                      )
                    out[i] = SourceRow.make({ position: position(columns, last), fields })
                  }
                  return Effect.succeed(
                    Option.some([
                      Chunk.unsafeFromArray(out),
                      { after: last, done: rows.length < pageSize },
                    ] as const),
                  )
                }),
              ),
      )
    }),
  )
}

/**
 * Rows of `table`, in cursor order, a page at a time.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromTable = (
  options: TableOptions,
): Stream.Stream<SourceRow.SourceRow, SourceRow.SourceError, SqlClient.SqlClient> => {
  const cursor = cursorColumns(options.cursor)
  return paginate(
    options.table,
    options,
    (sql) => sql`${sql(options.table)}`,
    (sql) =>
      options.columns === undefined
        ? sql.literal("*")
        : sql.csv([...new Set([...cursor, ...options.columns])].map((column) => sql`${sql(column)}`)),
  )
}

/**
 * Rows of a query, in cursor order, a page at a time.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromQuery = (
  options: QueryOptions,
): Stream.Stream<SourceRow.SourceRow, SourceRow.SourceError, SqlClient.SqlClient> =>
  paginate(
    options.name ?? "SQL query",
    options,
    (sql) => sql`(${sql.unsafe(options.query, options.params)}) AS source`,
    (sql) => sql.literal("*"),
  )

/**
 * A read-only `SqlClient` on a SQLite file, for these sources: unlike a ledger's client it
 * changes nothing in the user's database (no WAL switch, no pragmas) and fails if the file is missing.
 *
 * @since 0.1.0
 * @category layers
 */
export const sqliteClient = (path: string): Layer.Layer<SqlClient.SqlClient, SourceRow.SourceError> =>
  Layer.scoped(
    SqlClient.SqlClient,
    SqliteClient.make({ filename: path, readonly: true, disableWAL: true }).pipe(
      Effect.catchAllDefect((cause) =>
        Effect.fail(
          new SourceRow.SourceError({
            source: path,
            message: `cannot open the SQLite database ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
            cause,
          }),
        ),
      ),
    ),
  ).pipe(Layer.provide(Reactivity.layer))
