import { SourceRow, type SyncEvent, SyncReport } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Stream, TestClock } from "effect"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Exit from "../src/internal/exit.js"
import * as Output from "../src/internal/runOutput.js"

const captured = () => {
  let text = ""
  const out: Output.Out = { write: (piece) => void (text += piece), columns: 80, isTTY: false }
  return { out, text: () => text }
}

const folder = () => mkdtempSync(join(tmpdir(), "brainsync-run-output-"))

const clock = () => {
  let millis = Date.UTC(2026, 0, 2, 3, 4, 5)
  return { now: () => millis, advance: (by: number) => void (millis += by) }
}

const rows = [
  SourceRow.make({ position: "line 2", fields: { id: "K1", email: "a@example.com" } }),
  SourceRow.make({ position: "line 3", fields: { id: "K2", email: "not-an-email" } }),
]

const events: ReadonlyArray<SyncEvent.SyncEvent> = [
  { _tag: "Started", name: "contacts", batchSize: 100, concurrency: 4 },
  { _tag: "RowsRead", count: 2, total: 2 },
  {
    _tag: "RowsRejected",
    by: "mapping",
    rows: [{ position: "line 3", key: "K2", field: "email", reason: "not an email" }],
  },
]

const report = (counts: Partial<SyncReport.SyncReport>) => ({ ...SyncReport.empty("contacts"), ...counts })

describe("runOutput: the display, the rejects file, the report file and the summary of one run", () => {
  it.scoped(
    "writes the rejected rows with their values, the report file with the exit code, and one JSON summary",
    () =>
      Effect.gen(function* () {
        const dir = folder()
        const { out, text } = captured()
        const time = clock()
        const output = yield* Output.make({
          display: "json",
          name: "contacts",
          dryRun: false,
          mode: "update-only",
          rejects: { path: join(dir, "rejects.csv"), keyColumn: "id" },
          reportPath: join(dir, "out/report.json"),
          out,
          now: time.now,
        })
        yield* Stream.runDrain(output.remember(Stream.fromChunk(Chunk.unsafeFromArray(rows))))
        for (const event of events) yield* output.onEvent(event)
        time.advance(1500)
        const ending = {
          report: report({ read: 2, rejected: 1, accepted: 1 }),
          code: Exit.OK,
          message: undefined,
        }
        const written = yield* output.writeFiles(ending)
        expect(written).toEqual({
          files: [
            { label: "rejects", path: join(dir, "rejects.csv") },
            { label: "report", path: join(dir, "out/report.json") },
          ],
          elapsedMillis: 1500,
          problem: undefined,
        })
        expect(readFileSync(join(dir, "rejects.csv"), "utf8")).toBe(
          "position,outcome,reason,id,email\nline 3,rejected,email: not an email,K2,not-an-email\n",
        )
        const file = JSON.parse(readFileSync(join(dir, "out/report.json"), "utf8"))
        expect(file).toMatchObject({
          read: 2,
          rejected: 1,
          dryRun: false,
          mode: "update-only",
          startedAt: "2026-01-02T03:04:05.000Z",
          elapsedMillis: 1500,
          exitCode: 0,
        })

        output.summary(ending, written, undefined)
        const lines = text().trim().split("\n")
        const summary = JSON.parse(lines.at(-1)!)
        expect(summary).toMatchObject({
          _tag: "Summary",
          exitCode: 0,
          elapsedMillis: 1500,
          dryRun: false,
          files: written.files,
          report: { read: 2, rejected: 1, accepted: 1 },
        })
        expect(summary.report.rejectedRows).toBeUndefined()
        expect(summary.preview).toBeUndefined()
        // the display printed every event as a JSON line before the summary
        expect(lines.slice(0, -1).map((line) => JSON.parse(line)._tag)).toEqual([
          "Started",
          "RowsRead",
          "RowsRejected",
        ])
      }),
  )

  it.scoped("a report file that cannot be written is the run's problem and is not listed", () =>
    Effect.gen(function* () {
      const dir = folder()
      writeFileSync(join(dir, "taken"), "a file where a folder should be")
      const output = yield* Output.make({
        display: "lines",
        name: "contacts",
        dryRun: true,
        mode: "upsert",
        reportPath: join(dir, "taken/report.json"),
        out: captured().out,
      })
      const written = yield* output.writeFiles({ report: report({}), code: Exit.OK, message: undefined })
      expect(written.files).toEqual([])
      expect(written.problem).toMatch(/^cannot write .*taken\/report\.json: /)
    }),
  )

  it.scoped("the table summary of a dry run counts what it would send", () =>
    Effect.gen(function* () {
      const { out, text } = captured()
      const output = yield* Output.make({
        display: "lines",
        name: "contacts",
        dryRun: true,
        mode: "upsert",
        out,
      })
      const ending = { report: report({ read: 5, accepted: 5 }), code: Exit.OK, message: undefined }
      output.summary(ending, yield* output.writeFiles(ending), undefined)
      expect(text()).toMatch(/rows read\s+5/)
      expect(output.sent()).toBe(0)
    }),
  )

  it.scoped(
    "interrupted, it marks the summary as such, with lines for rows accepted but unreported and rows not sent, that add up to the rows read",
    () =>
      Effect.gen(function* () {
        const interrupted = (display: "lines" | "json") =>
          Effect.gen(function* () {
            const { out, text } = captured()
            const output = yield* Output.make({
              display,
              name: "contacts",
              dryRun: false,
              mode: "upsert",
              out,
            })
            const so: ReadonlyArray<SyncEvent.SyncEvent> = [
              { _tag: "RowsRead", count: 10, total: 10 },
              {
                _tag: "RowsRejected",
                by: "mapping",
                rows: [{ position: "line 2", key: "K1", field: "email", reason: "not an email" }],
              },
              { _tag: "BatchFormed", batch: 1, size: 4 },
              { _tag: "BatchFormed", batch: 2, size: 4 },
              { _tag: "BatchSent", batch: 1, size: 4, attempt: 1 },
              { _tag: "BatchAccepted", batch: 1, batchId: "b1", size: 4 },
              {
                _tag: "RowsSettled",
                batch: 1,
                rows: [{ position: "line 3", key: "K2", outcome: "inserted" }],
              },
              // Interrupted, the sync ends every other row in its events: the 3 of batch 1 it took, the rest not sent.
              { _tag: "Stopped", reason: "Interrupted", message: "the sync was interrupted" },
              {
                _tag: "RowsSettled",
                batch: 1,
                rows: ["line 4", "line 5", "line 6"].map((position) => ({
                  position,
                  key: position,
                  outcome: "accepted" as const,
                })),
              },
              {
                _tag: "RowsFailed",
                batch: 2,
                rows: ["line 7", "line 8", "line 9", "line 10", "line 11"].map((position) => ({
                  position,
                  key: position,
                  contact: {},
                  error: "not sent: the sync stopped (the sync was interrupted)",
                })),
              },
            ]
            for (const event of so) yield* output.onEvent(event)
            const fiber = yield* Effect.fork(output.whileRunning(Effect.never))
            yield* TestClock.adjust("2 seconds")
            yield* Fiber.interrupt(fiber)
            return text()
          })
        const lines = yield* interrupted("lines")
        const table = lines.slice(lines.indexOf("\n\n"))
        expect(table).toMatch(/^\n\n {2}contacts {2}INTERRUPTED: the counts so far\n/)
        expect(table).toMatch(/inserted\s+1 /)
        expect(table).toMatch(/rejected\s+1 /)
        expect(table).toMatch(/ accepted\s+0\n/)
        expect(table).toMatch(/ failed\s+0\n/)
        expect(table).toMatch(/accepted, result pending\s+3 /)
        expect(table).toMatch(/not sent\s+5 {2}read, not accepted by the CRM: the next run sends them/)
        expect(table).toMatch(/rows read\s+10\n/)
        expect(table).toMatch(/requests\s+1 {2}sent · 2 batches formed/)
        expect(table).not.toContain("✓")
        expect(lines).toContain(
          "Interrupted: rows in batches the CRM had not accepted will be sent by the next run.\n",
        )
        const json = (yield* interrupted("json"))
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line))
        // --json: the events' fold (every row has an outcome), and which of them the interruption gave.
        expect(json.at(-1)).toMatchObject({
          _tag: "Summary",
          exitCode: Output.INTERRUPTED,
          interrupted: { pending: 3, notSent: 5 },
          report: { read: 10, inserted: 1, rejected: 1, accepted: 3, failed: 5 },
        })
        expect(json).toHaveLength(11)
      }),
  )

  it("writeText tells why a file cannot be written instead of throwing", () => {
    const dir = folder()
    expect(Output.writeText(join(dir, "a/b.txt"), "x")).toBeUndefined()
    expect(readFileSync(join(dir, "a/b.txt"), "utf8")).toBe("x")
    writeFileSync(join(dir, "file"), "")
    expect(Output.writeText(join(dir, "file/c.txt"), "x")).toMatch(/^cannot write /)
  })
})
