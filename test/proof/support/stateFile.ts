/**
 * Reads a command's state file (SQLite) between runs, with the better-sqlite3 the sandbox already
 * depends on: which keys it recorded as done, and which it holds as accepted with results pending.
 */
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { root } from "./command.js"

interface Statement {
  readonly all: () => ReadonlyArray<{ readonly key: string }>
}
interface Database {
  readonly prepare: (sql: string) => Statement
  readonly close: () => void
}
type Open = new (path: string, options: { readonly readonly: boolean }) => Database

const fromSandbox = createRequire(join(root, "packages/sandbox/package.json"))
const Sqlite = createRequire(fromSandbox.resolve("@effect/sql-sqlite-node"))("better-sqlite3") as Open

const keysOf = (db: Database, table: string): ReadonlySet<string> => {
  try {
    return new Set(
      db
        .prepare(`SELECT key FROM ${table}`)
        .all()
        .map((row) => row.key),
    )
  } catch {
    return new Set() // the run was killed before it created its tables
  }
}

export const read = (
  path: string,
): { readonly recorded: ReadonlySet<string>; readonly accepted: ReadonlySet<string> } => {
  if (!existsSync(path)) return { recorded: new Set(), accepted: new Set() }
  const db = new Sqlite(path, { readonly: true })
  try {
    return { recorded: keysOf(db, "brainsync_entries"), accepted: keysOf(db, "brainsync_accepted") }
  } finally {
    db.close()
  }
}
