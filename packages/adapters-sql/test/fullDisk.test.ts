/**
 * A ledger whose file cannot grow fails each write with a `LedgerError` that says why ("database or
 * disk is full", not only "Failed to execute statement"), and keeps what it wrote before. When the
 * COMMIT itself fails (a real limit under the file), `@effect/sql` makes a defect of it (`orDie`):
 * the ledger turns it back into the `LedgerError` its type promises.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Ledger } from "@brainsync/core"
import { describe, expect, it, onTestFinished } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Cause, Effect, Exit, Layer } from "effect"
import { SqlLedger } from "../src/index.js"
import { tempDir } from "./support.js"

const target: Ledger.Target = { sync: "crm", listId: "9fc6ad7d-902a-4834-b161-a4911b883d44" }
const rows = (from: number, count: number) =>
  Array.from({ length: count }, (_, j) => {
    const contact = { email: `person${from + j}@example.com` }
    return { key: `k${from + j}`, hash: Ledger.hashContact(contact), contact }
  })

const failureOf = <A, E extends { readonly message: string }>(exit: Exit.Exit<A, E>) => {
  if (Exit.isSuccess(exit)) return "succeeded"
  const failure = Cause.failureOption(exit.cause)
  return failure._tag === "Some" ? failure.value.message : `defect: ${Cause.pretty(exit.cause)}`
}

describe("a ledger on a full disk", () => {
  it.scopedLive("fails its writes with a LedgerError naming the reason, and keeps what it wrote before", () =>
    Effect.gen(function* () {
      const client = yield* Layer.build(SqlLedger.sqliteClient(join(yield* tempDir, "state.db")))
      const ledger = yield* Effect.provide(SqlLedger.make(), client)
      const sql = Effect.provide(SqlClient.SqlClient, client)
      yield* ledger.recordAccepted(target, "b1", rows(0, 100))
      // The file may not grow by more than two pages (on the ledger's own, single connection).
      const pages = yield* Effect.flatMap(sql, (sql) => sql<{ page_count: number }>`PRAGMA page_count`)
      yield* Effect.flatMap(sql, (sql) => sql.unsafe(`PRAGMA max_page_count = ${pages[0]!.page_count + 2}`))

      expect(failureOf(yield* Effect.exit(ledger.recordAccepted(target, "b2", rows(100, 5_000))))).toBe(
        "cannot record an accepted batch: database or disk is full",
      )
      const report = { name: "x".repeat(50_000) } as unknown as Ledger.RunRecord["report"]
      expect(
        failureOf(yield* Effect.exit(ledger.recordRun(target, { startedAt: 1, finishedAt: 2, report }))),
      ).toBe("cannot record the run: database or disk is full")
      expect((yield* ledger.lookup(target, ["k0", "k99", "k100"])).size).toBe(2)
    }),
  )

  it("a file size limit that fails the COMMIT is a LedgerError too, not a defect", async () => {
    const dir = mkdtempSync(join(tmpdir(), "brainsync-sql-"))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const fixture = fileURLToPath(new URL("./fixtures/fillLedger.ts", import.meta.url))
    const child = spawn(
      "sh",
      [
        "-c",
        `ulimit -f 2048; exec "${process.execPath}" --import tsx "${fixture}" "${join(dir, "state.db")}"`,
      ],
      { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: ["ignore", "pipe", "pipe"] },
    )
    let out = ""
    child.stdout.on("data", (piece) => (out += String(piece)))
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
    expect(code).toBe(0)
    expect(JSON.parse(out)).toEqual({
      failure: "LedgerError",
      message: expect.stringMatching(
        /^cannot record an accepted batch: (disk I\/O error|database or disk is full)$/,
      ),
    })
  }, 60_000)
})
