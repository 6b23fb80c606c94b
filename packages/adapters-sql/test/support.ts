/** Test helpers: temp folders that go away with the test's scope, and a ledger on a file in one. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Ledger } from "@brainsync/core"
import { Effect, Layer, type Scope } from "effect"
import { SqlLedger } from "../src/index.js"

export const tempDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "brainsync-sql-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
)

/** A ledger service on `path`, open until the scope closes (each call is its own connection, like another process). */
export const openLedger = (
  path: string,
  options: SqlLedger.SqliteOptions = {},
): Effect.Effect<SqlLedger.Service, Ledger.LedgerError, Scope.Scope> =>
  Layer.build(SqlLedger.sqliteClient(path, options)).pipe(
    Effect.flatMap((client) => Effect.provide(SqlLedger.make(options), client)),
  )
