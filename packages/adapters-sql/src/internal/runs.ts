/** The history of runs (`brainsync_runs`): each run's times and report, per target, newest first. */
import type { Ledger, SyncReport } from "@brainsync/core"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { failed, listOf } from "./columns.js"

export type Runs = Pick<Ledger.Service, "recordRun" | "runs">

export const make: Effect.Effect<Runs, never, SqlClient.SqlClient> = Effect.map(
  SqlClient.SqlClient,
  (sql) => ({
    recordRun: (target, run) =>
      sql`INSERT INTO brainsync_runs ${sql.insert({
        sync: target.sync,
        list: listOf(target),
        started_at: run.startedAt,
        finished_at: run.finishedAt,
        report: JSON.stringify(run.report),
      })}`.pipe(Effect.asVoid, Effect.mapError(failed("cannot record the run"))),

    runs: (target, limit) =>
      sql<{ readonly started_at: unknown; readonly finished_at: unknown; readonly report: string }>`
      SELECT started_at, finished_at, report FROM brainsync_runs
      WHERE sync = ${target.sync} AND list = ${listOf(target)} ORDER BY id DESC LIMIT ${limit}`.pipe(
        Effect.map((rows) =>
          rows.map((row): Ledger.RunRecord => ({
            startedAt: Number(row.started_at),
            finishedAt: Number(row.finished_at),
            // Written by `recordRun` from a `SyncReport`: plain JSON data.
            report: JSON.parse(row.report) as SyncReport.SyncReport,
          })),
        ),
        Effect.mapError(failed("cannot read the run history")),
      ),
  }),
)
