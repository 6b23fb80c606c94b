/** Rows that failed for good (`brainsync_dead_letters`), per target, until a later run gets them accepted. */
import { Ledger } from "@brainsync/core"
import { SqlClient } from "@effect/sql"
import { Effect, Either } from "effect"
import { writeChunks } from "./chunks.js"
import { decodeContact, encodeContact, failed, listOf } from "./columns.js"

export type DeadLetterRows = Pick<Ledger.Service, "recordDeadLetters" | "deadLetters">

export const make: Effect.Effect<DeadLetterRows, never, SqlClient.SqlClient> = Effect.map(
  SqlClient.SqlClient,
  (sql) => ({
    recordDeadLetters: (target, rows) =>
      Effect.gen(function* () {
        const now = Date.now()
        for (const part of writeChunks(rows))
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
  }),
)
