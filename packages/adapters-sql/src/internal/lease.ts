/**
 * The lease row of a target: one owner at a time. A live run renews its expiry with a heartbeat;
 * a run that died (even with `kill -9`) leaves a row that another run takes over once it expired.
 */
import { Ledger } from "@brainsync/core"
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Schedule, type Scope } from "effect"
import { failed } from "./columns.js"

export interface Settings {
  readonly owner: string
  readonly ttlMillis: number
  readonly heartbeatMillis: number
}

export const acquire = (
  sync: string,
  list: string,
  settings: Settings,
): Effect.Effect<void, Ledger.LeaseHeld | Ledger.LedgerError, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // Unique per acquisition, so that two runs in one process (same pid) are told apart too.
    const owner = `${settings.owner} #${Math.random().toString(36).slice(2, 10)}`
    const take = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const expires = now + settings.ttlMillis
      yield* sql`INSERT INTO brainsync_leases (sync, list, owner, acquired_at, heartbeat_at, expires_at)
        VALUES (${sync}, ${list}, ${owner}, ${now}, ${now}, ${expires})
        ON CONFLICT (sync, list) DO UPDATE SET owner = excluded.owner, acquired_at = excluded.acquired_at,
          heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
        WHERE brainsync_leases.expires_at < ${now}`
      const rows = yield* sql<{
        readonly owner: string
        readonly heartbeat_at: number
        readonly expires_at: number
      }>`SELECT owner, heartbeat_at, expires_at FROM brainsync_leases WHERE sync = ${sync} AND list = ${list}`
      return { now, holder: rows[0] }
    }).pipe(Effect.mapError(failed("cannot take the lease")))

    yield* Effect.acquireRelease(
      Effect.flatMap(take, ({ now, holder }) =>
        holder?.owner === owner
          ? Effect.void
          : Effect.fail(
              new Ledger.LeaseHeld({
                message:
                  `another run of sync "${sync}" is in progress (${holder?.owner ?? "unknown"}, last seen ` +
                  `${Math.round((now - Number(holder?.heartbeat_at ?? now)) / 1000)} s ago); wait for it to finish. ` +
                  `If it crashed, its lease expires in ${Math.max(0, Math.ceil((Number(holder?.expires_at ?? now) - now) / 1000))} s.`,
              }),
            ),
      ),
      () =>
        sql`DELETE FROM brainsync_leases WHERE sync = ${sync} AND list = ${list} AND owner = ${owner}`.pipe(
          Effect.ignore,
        ),
    )

    const renew = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      yield* sql`UPDATE brainsync_leases SET heartbeat_at = ${now}, expires_at = ${now + settings.ttlMillis}
        WHERE sync = ${sync} AND list = ${list} AND owner = ${owner}`
    })
    // A failed heartbeat (a locked database) is retried at the next beat; the lease lasts ttl, several beats.
    yield* renew.pipe(
      Effect.ignore,
      Effect.repeat(Schedule.spaced(settings.heartbeatMillis)),
      Effect.delay(settings.heartbeatMillis),
      Effect.forkScoped,
    )
  })
