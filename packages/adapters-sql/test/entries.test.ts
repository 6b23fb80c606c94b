/** The diff's state alone, on each engine: hashes, contactIds and accepted contacts per target and key. */
import { Ledger } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import * as DeadLetterRows from "../src/internal/deadLetterRows.js"
import * as Entries from "../src/internal/entries.js"
import { engines } from "./engines.js"

const target: Ledger.Target = { sync: "crm", listId: "9fc6ad7d-902a-4834-b161-a4911b883d44" }
const contact = (i: number) => ({ email: `c${i}@example.com` })
const accepted = (from: number, to: number, hash = (i: number) => Ledger.hashContact(contact(i))) =>
  Array.from({ length: to - from }, (_, j) => ({
    key: `k${from + j}`,
    hash: hash(from + j),
    contact: contact(from + j),
  }))

describe.each(engines)("entries on %s", (_, open) => {
  it.scopedLive(
    "records accepted rows and finds their hashes and contacts again, per target, across chunks",
    () =>
      Effect.gen(function* () {
        const entries = yield* Effect.provide(Entries.make, yield* open)
        yield* entries.recordAccepted(target, "b1", accepted(0, 1200))
        // A key twice in one batch: the last row wins.
        yield* entries.recordAccepted(target, "b2", [
          { key: "k1", hash: "first", contact: contact(1) },
          { key: "k1", hash: "last", contact: contact(99) },
        ])

        const keys = [...accepted(0, 1200).map((row) => row.key), "unknown"]
        const found = yield* entries.lookup(target, keys)
        expect(found.size).toBe(1200)
        expect(found.get("k0")).toEqual({ hash: Ledger.hashContact(contact(0)), contactId: undefined })
        expect(found.get("k1")).toEqual({ hash: "last", contactId: undefined })
        expect((yield* entries.lookup({ ...target, listId: null }, keys)).size).toBe(0)
        expect((yield* entries.lookup(target, [])).size).toBe(0)

        expect(yield* entries.acceptedContacts(target, ["k1", "k2", "unknown"])).toEqual(
          new Map([
            ["k1", contact(99)],
            ["k2", contact(2)],
          ]),
        )
      }),
  )

  it.scopedLive("records contactIds (int64 range) of known keys only; a later accept keeps them", () =>
    Effect.gen(function* () {
      const entries = yield* Effect.provide(Entries.make, yield* open)
      yield* entries.recordAccepted(target, "b1", accepted(0, 3))
      yield* entries.recordContactIds(target, [
        { key: "k0", contactId: 9_007_199_254_740_991 },
        { key: "k1", contactId: 5 },
        { key: "k1", contactId: 6 },
        { key: "nope", contactId: 7 },
      ])
      yield* entries.recordAccepted(target, "b2", [{ key: "k0", hash: "h2", contact: contact(0) }])
      const found = yield* entries.lookup(target, ["k0", "k1", "k2", "nope"])
      expect(found.get("k0")).toEqual({ hash: "h2", contactId: 9_007_199_254_740_991 })
      expect(found.get("k1")?.contactId).toBe(6)
      expect(found.get("k2")?.contactId).toBeUndefined()
      expect(found.has("nope")).toBe(false)
    }),
  )

  it.scopedLive("an accepted key is no longer a dead letter of its target", () =>
    Effect.gen(function* () {
      const db = yield* open
      const entries = yield* Effect.provide(Entries.make, db)
      const deadLetters = yield* Effect.provide(DeadLetterRows.make, db)
      const letter = (key: string) => ({ key, position: "line 2", contact: contact(1), error: "500" })
      yield* deadLetters.recordDeadLetters(target, [letter("k1"), letter("k2")])
      yield* deadLetters.recordDeadLetters({ ...target, sync: "other" }, [letter("k1")])
      yield* entries.recordAccepted(target, "b1", accepted(1, 2))
      expect((yield* deadLetters.deadLetters(target)).map((row) => row.key)).toEqual(["k2"])
      expect((yield* deadLetters.deadLetters({ ...target, sync: "other" })).map((row) => row.key)).toEqual([
        "k1",
      ])
    }),
  )

  it.scopedLive("a contact that cannot be read back fails with the key it is about", () =>
    Effect.gen(function* () {
      const db = yield* open
      const entries = yield* Effect.provide(Entries.make, db)
      yield* entries.recordAccepted(target, "b1", accepted(0, 1))
      const sql = yield* Effect.provide(SqlClient.SqlClient, db)
      yield* sql`UPDATE brainsync_accepted SET contact = 'not json'`
      const error = yield* Effect.flip(entries.acceptedContacts(target, ["k0"]))
      expect(error.message).toBe("the ledger holds a bad contact for key k0")
    }),
  )
})
