/** The ledger's chunking alone: rows per write statement, keys per lookup statement, on each engine. */
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { keyLookup, lastByKey, writeChunks } from "../src/internal/chunks.js"
import { engines } from "./engines.js"

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: i }))

describe("chunks", () => {
  it("lastByKey keeps the last row of each key, in first-seen order, and the same array when no key repeats", () => {
    const unique = rows(3)
    expect(lastByKey(unique)).toBe(unique)
    expect(
      lastByKey([
        { key: "a", value: 1 },
        { key: "b", value: 2 },
        { key: "a", value: 3 },
      ]),
    ).toEqual([
      { key: "a", value: 3 },
      { key: "b", value: 2 },
    ])
    expect(lastByKey([])).toEqual([])
  })

  it("writeChunks: none for no rows, 500 rows a statement, exact multiples without an empty last chunk", () => {
    expect(writeChunks([])).toEqual([])
    expect(writeChunks(rows(1)).map((part) => part.length)).toEqual([1])
    expect(writeChunks(rows(500)).map((part) => part.length)).toEqual([500])
    expect(writeChunks(rows(1000)).map((part) => part.length)).toEqual([500, 500])
    expect(writeChunks(rows(1001)).map((part) => part.length)).toEqual([500, 500, 1])
    expect(writeChunks(rows(1001)).flat()).toEqual(rows(1001))
    // A repeated key is written once, with its last row.
    expect(writeChunks([...rows(500), { key: "k0", value: -1 }]).flat()).toEqual([
      { key: "k0", value: -1 },
      ...rows(500).slice(1),
    ])
  })

  describe.each(engines)("keyLookup on %s", (_, open) => {
    it.scopedLive("finds the rows of every chunk of keys, however many keys there are", () =>
      Effect.gen(function* () {
        const db = yield* open
        const sql = yield* Effect.provide(SqlClient.SqlClient, db)
        yield* sql`CREATE TABLE chunk_keys (key TEXT PRIMARY KEY)`
        for (const part of writeChunks(rows(10_001))) {
          yield* sql`INSERT INTO chunk_keys ${sql.insert(part.map((row) => ({ key: row.key })))}`
        }
        const { keysIn, selectByKeys } = keyLookup(sql)
        const select = (keys: ReadonlyArray<string>) =>
          selectByKeys(
            keys,
            (part) => sql<{ key: string }>`SELECT key FROM chunk_keys WHERE key IN ${keysIn(part)}`,
          )
        // 10,000 keys: an exact multiple of both engines' chunk sizes
        const asked = rows(10_000).map((row) => row.key)
        const found = yield* select([...asked, "missing"])
        expect(found.map((row) => row.key).sort()).toEqual([...asked].sort())
        expect(yield* select([])).toEqual([])
        expect(yield* select(["k10000"])).toEqual([{ key: "k10000" }])
      }),
    )
  })
})
