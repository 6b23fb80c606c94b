/**
 * How the ledger splits keys and rows into statements: each one under the engine's parameter
 * limit (SQLite takes a lookup's keys as one JSON parameter, so its lookups take more keys).
 */
import type { SqlClient, SqlError } from "@effect/sql"
import { Array as Arr, Effect } from "effect"

/** Keys per lookup statement: SQLite takes them as one JSON parameter; other engines as `IN (...)` parameters. */
const SQLITE_LOOKUP_CHUNK = 5000
const PARAMETER_CHUNK = 500

/** The last row of each key, in first-seen order: one statement must not upsert a key twice (PostgreSQL refuses). */
export const lastByKey = <A extends { readonly key: string }>(rows: ReadonlyArray<A>): ReadonlyArray<A> => {
  const byKey = new Map<string, A>()
  for (const row of rows) byKey.set(row.key, row)
  return byKey.size === rows.length ? rows : [...byKey.values()]
}

/** The rows of a write, the last of each key, in chunks of one statement each. */
export const writeChunks = <A extends { readonly key: string }>(
  rows: ReadonlyArray<A>,
): ReadonlyArray<ReadonlyArray<A>> => Arr.chunksOf(lastByKey(rows), PARAMETER_CHUNK)

/** Lookups by key on `sql`'s engine: a chunk of keys as the right side of `key IN`, and the rows of all chunks. */
export const keyLookup = (sql: SqlClient.SqlClient) => {
  const isSqlite = sql.onDialectOrElse({ sqlite: () => true, orElse: () => false })
  return {
    keysIn: (keys: ReadonlyArray<string>) =>
      isSqlite ? sql`(SELECT value FROM json_each(${JSON.stringify(keys)}))` : sql.in(keys),
    selectByKeys: <A>(
      keys: ReadonlyArray<string>,
      query: (part: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<A>, SqlError.SqlError>,
    ) =>
      Effect.reduce(
        Arr.chunksOf(keys, isSqlite ? SQLITE_LOOKUP_CHUNK : PARAMETER_CHUNK),
        [] as Array<A>,
        (all, part) =>
          Effect.map(query(part), (rows) => {
            for (const row of rows) all.push(row)
            return all
          }),
      ),
  }
}
