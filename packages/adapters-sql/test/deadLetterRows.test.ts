/** Dead letters alone, on each engine: recorded per target and key, the latest error kept, read in order. */
import type { Ledger } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import * as DeadLetterRows from "../src/internal/deadLetterRows.js"
import { engines } from "./engines.js"

const target: Ledger.Target = { sync: "crm", listId: null }
const letter = (key: string, error: string): Ledger.DeadLetter => ({
  key,
  position: `line ${key}`,
  contact: { email: `${key}@example.com` },
  error,
})

describe.each(engines)("deadLetterRows on %s", (_, open) => {
  it.scopedLive(
    "records dead letters (the last of a key wins, across chunks) and reads a target's back",
    () =>
      Effect.gen(function* () {
        const rows = yield* Effect.provide(DeadLetterRows.make, yield* open)
        const many = Array.from({ length: 600 }, (_, i) => letter(`k${String(i).padStart(3, "0")}`, "500"))
        yield* rows.recordDeadLetters(target, [...many, letter("k000", "422: bad email")])
        yield* rows.recordDeadLetters({ ...target, sync: "other" }, [letter("z", "500")])

        const read = yield* rows.deadLetters(target)
        expect(read).toHaveLength(600)
        expect(read[0]).toEqual(letter("k000", "422: bad email"))
        expect(read.map((row) => row.key)).toEqual(many.map((row) => row.key))
        expect(yield* rows.deadLetters({ ...target, listId: "L1" })).toEqual([])
      }),
  )

  it.scopedLive("a dead letter whose contact cannot be read back fails with the key it is about", () =>
    Effect.gen(function* () {
      const db = yield* open
      const rows = yield* Effect.provide(DeadLetterRows.make, db)
      yield* rows.recordDeadLetters(target, [letter("bad", "500")])
      const sql = yield* Effect.provide(SqlClient.SqlClient, db)
      yield* sql`UPDATE brainsync_dead_letters SET contact = '{"email": 5}'`
      const error = yield* Effect.flip(rows.deadLetters(target))
      expect(error.message).toBe("the ledger holds a bad dead letter for key bad")
    }),
  )
})
