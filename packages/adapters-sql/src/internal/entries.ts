/**
 * What the diff reads and each accepted batch writes: a key's hash and contactId
 * (`brainsync_entries`) and its contact as last accepted (`brainsync_accepted`), per target.
 */
import { type Contact, Ledger } from "@brainsync/core"
import { SqlClient } from "@effect/sql"
import { Effect, Either } from "effect"
import { keyLookup, writeChunks } from "./chunks.js"
import { decodeContact, encodeContact, failed, listOf, toNumber } from "./columns.js"

export type Entries = Pick<
  Ledger.Service,
  "lookup" | "acceptedContacts" | "recordAccepted" | "recordContactIds"
>

export const make: Effect.Effect<Entries, never, SqlClient.SqlClient> = Effect.map(
  SqlClient.SqlClient,
  (sql) => {
    const { keysIn, selectByKeys } = keyLookup(sql)
    return {
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
          for (const part of writeChunks(rows)) {
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
            // An accepted key is no longer a dead letter.
            yield* sql`DELETE FROM brainsync_dead_letters WHERE sync = ${target.sync} AND list = ${list}
              AND key IN ${sql.in(part.map((row) => row.key))}`
          }
        }).pipe(sql.withTransaction, Effect.mapError(failed("cannot record an accepted batch"))),

      recordContactIds: (target, rows) =>
        Effect.forEach(
          writeChunks(rows),
          (part) =>
            sql`UPDATE brainsync_entries SET contact_id = CAST(v.column2 AS BIGINT)
              FROM (VALUES ${sql.csv(part.map((row) => sql`(${row.key}, ${row.contactId})`))}) AS v
              WHERE brainsync_entries.sync = ${target.sync} AND brainsync_entries.list = ${listOf(target)}
                AND brainsync_entries.key = v.column1`,
          { discard: true },
        ).pipe(sql.withTransaction, Effect.mapError(failed("cannot record contactIds"))),
    }
  },
)
