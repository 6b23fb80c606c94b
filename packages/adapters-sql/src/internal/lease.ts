/**
 * The lease row of a target: one owner at a time. A live run renews its expiry with a heartbeat;
 * a run that died (even with `kill -9`) leaves a row that another run takes over once it expired,
 * or at once when the row says the holder ran on this machine and its process is gone.
 */
import { Ledger } from "@brainsync/core"
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Schedule, type Scope } from "effect"
import { readFileSync } from "node:fs"
import { failed, toNumber } from "./columns.js"

export interface Settings {
  readonly owner: string
  /** This machine and this process, recorded with the lease so that a run on the same machine can tell that its holder died. */
  readonly host: string
  readonly pid: number
  readonly ttlMillis: number
  readonly heartbeatMillis: number
}

interface Holder {
  readonly owner: string
  readonly heartbeat_at: number
  readonly expires_at: number
  readonly host: string | null
  readonly pid: unknown
}

/** Whether Linux lists `pid` as a zombie: a process that ended and that its parent has not reaped yet. */
const isZombie = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z"
  } catch {
    return false
  }
}

/** Whether process `pid` of this machine is gone: signal 0 checks without sending (EPERM: it exists, under another user). */
export const isGone = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return isZombie(pid)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH"
  }
}

/** A holder that ran on this machine, in another process that no longer exists (a pid reused since counts as alive: the lease then expires). */
const diedHere = (holder: Holder, settings: Settings): boolean => {
  const pid = toNumber(holder.pid)
  return (
    holder.host === settings.host &&
    pid !== undefined &&
    pid !== settings.pid &&
    Number.isSafeInteger(pid) &&
    pid > 0 &&
    isGone(pid)
  )
}

/** The refusal: who holds the lease; when it ran elsewhere, when its lease expires if it crashed. */
const held = (sync: string, holder: Holder | undefined, now: number, settings: Settings) => {
  const seen = Math.round((now - Number(holder?.heartbeat_at ?? now)) / 1000)
  const expiresIn = Math.max(0, Math.ceil((Number(holder?.expires_at ?? now) - now) / 1000))
  return new Ledger.LeaseHeld({
    message:
      `another run of sync "${sync}" is in progress (${holder?.owner ?? "unknown"}, last seen ${seen} s ago); ` +
      `wait for it to finish` +
      // On this machine the holder's process is alive: a dead one's lease would have been taken over.
      (holder?.host === settings.host ? "" : `. If it crashed, its lease expires in ${expiresIn} s`),
  })
}

export const acquire = (
  sync: string,
  list: string,
  settings: Settings,
): Effect.Effect<void, Ledger.LeaseHeld | Ledger.LedgerError, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { host, pid } = settings
    // Unique per acquisition, so that two runs in one process (same pid) are told apart too.
    const owner = `${settings.owner} #${Math.random().toString(36).slice(2, 10)}`
    const holderNow = sql<Holder>`SELECT owner, heartbeat_at, expires_at, host, pid FROM brainsync_leases
      WHERE sync = ${sync} AND list = ${list}`.pipe(Effect.map((rows) => rows[0]))
    const take = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const expires = now + settings.ttlMillis
      yield* sql`INSERT INTO brainsync_leases (sync, list, owner, acquired_at, heartbeat_at, expires_at, host, pid)
        VALUES (${sync}, ${list}, ${owner}, ${now}, ${now}, ${expires}, ${host}, ${pid})
        ON CONFLICT (sync, list) DO UPDATE SET owner = excluded.owner, acquired_at = excluded.acquired_at,
          heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at, host = excluded.host,
          pid = excluded.pid
        WHERE brainsync_leases.expires_at < ${now}`
      const holder = yield* holderNow
      if (holder === undefined || holder.owner === owner || !diedHere(holder, settings))
        return { now, holder }
      // Only if the dead holder still holds it: of two runs taking over at once, one wins.
      yield* sql`UPDATE brainsync_leases SET owner = ${owner}, acquired_at = ${now}, heartbeat_at = ${now},
          expires_at = ${expires}, host = ${host}, pid = ${pid}
        WHERE sync = ${sync} AND list = ${list} AND owner = ${holder.owner}`
      return { now, holder: yield* holderNow }
    }).pipe(Effect.mapError(failed("cannot take the lease")))

    yield* Effect.acquireRelease(
      Effect.flatMap(take, ({ now, holder }) =>
        holder?.owner === owner ? Effect.void : Effect.fail(held(sync, holder, now, settings)),
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
