/**
 * The lease records the holder's machine and process: a run on the same machine takes over at
 * once the lease of a holder whose process is gone; a live holder, or one on another machine,
 * keeps it until it expires.
 */
import { spawnSync } from "node:child_process"
import { hostname } from "node:os"
import { join } from "node:path"
import type { Ledger } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { SqlLedger } from "../src/index.js"
import { isGone } from "../src/internal/lease.js"
import { openLedger, tempDir } from "./support.js"

const target: Ledger.Target = { sync: "crm", listId: "9fc6ad7d-902a-4834-b161-a4911b883d44" }

/** The pid of a process that ran and ended. */
const deadPid = () => {
  const ended = spawnSync(process.execPath, ["-e", ""])
  expect(ended.status).toBe(0)
  return ended.pid
}

/** A ledger file whose lease for `target` a holder took (on `host`, as process `pid`) and renewed a moment ago, for a minute. */
const heldBy = (host: string, pid: number) =>
  Effect.gen(function* () {
    const file = join(yield* tempDir, "state.db")
    yield* openLedger(file) // the tables
    const client = yield* Layer.build(SqlLedger.sqliteClient(file))
    const now = Date.now()
    yield* Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO brainsync_leases (sync, list, owner, acquired_at, heartbeat_at, expires_at, host, pid)
        VALUES (${target.sync}, ${target.listId}, ${`${host} pid ${pid} #x`}, ${now}, ${now}, ${now + 60_000}, ${host}, ${pid})`
    }).pipe(Effect.provide(client))
    return file
  })

describe("the lease's holder process", () => {
  it("tells a process that ended from a live one", () => {
    expect(isGone(process.pid)).toBe(false)
    expect(isGone(deadPid())).toBe(true)
  })

  it.scopedLive("a holder on this machine whose process is gone is taken over at once", () =>
    Effect.gen(function* () {
      const file = yield* heldBy(hostname(), deadPid())
      const ledger = yield* openLedger(file, { leaseTtl: "1 minute" })
      yield* Effect.scoped(ledger.lease(target))
    }),
  )

  it.scopedLive("a live holder on this machine keeps it, and the refusal does not speak of expiry", () =>
    Effect.gen(function* () {
      const file = yield* heldBy(hostname(), process.ppid)
      const ledger = yield* openLedger(file, { leaseTtl: "1 minute" })
      const refused = yield* Effect.flip(Effect.scoped(ledger.lease(target)))
      expect(refused._tag).toBe("LeaseHeld")
      expect(refused.message).toMatch(
        new RegExp(
          `^another run of sync "crm" is in progress \\(.+ pid ${process.ppid} #x, last seen 0 s ago\\); wait for it to finish$`,
        ),
      )
    }),
  )

  it.scopedLive("a holder on another machine keeps it until it expires, whatever its pid", () =>
    Effect.gen(function* () {
      const file = yield* heldBy(`not-${hostname()}`, deadPid())
      const ledger = yield* openLedger(file, { leaseTtl: "1 minute" })
      const refused = yield* Effect.flip(Effect.scoped(ledger.lease(target)))
      expect(refused._tag).toBe("LeaseHeld")
      expect(refused.message).toMatch(
        /; wait for it to finish\. If it crashed, its lease expires in (59|60) s$/,
      )
    }),
  )
})
