/**
 * A ledger file is checked when it is opened: a damaged page (a disk fault, a copy taken while a
 * run wrote it) would otherwise be read as if it were right, or fail later in the middle of a run.
 * `PRAGMA quick_check` walks every page's structure (not the indexes' agreement with their tables,
 * which `integrity_check` adds at about three times the cost).
 */
import { Ledger } from "@brainsync/core"
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { describeSqlError } from "./columns.js"

/** quick_check's first finding on one line, without its "*** in database main ***" heading. */
const oneLine = (problem: string) =>
  problem
    .replace(/\*\*\* in database \S+ \*\*\*/g, "")
    .replace(/\s+/g, " ")
    .trim()

const damaged = (path: string, problem: string) =>
  new Ledger.LedgerError({
    message:
      `the state file ${path} is damaged (${oneLine(problem)}): move it aside and run again (the next run then ` +
      `sends every row once more), or put back a copy from a backup`,
  })

export const check = (client: SqlClient.SqlClient, path: string): Effect.Effect<void, Ledger.LedgerError> =>
  client.unsafe<{ readonly quick_check: string }>("PRAGMA quick_check(1)").pipe(
    Effect.mapError((error) => damaged(path, describeSqlError(error))),
    Effect.flatMap((rows) => {
      const found = rows[0]?.quick_check ?? "no answer from quick_check"
      return found === "ok" ? Effect.void : Effect.fail(damaged(path, found))
    }),
  )
