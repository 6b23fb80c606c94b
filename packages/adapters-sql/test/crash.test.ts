import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, Schedule } from "effect"
import { asStored, crm, type Crm, people } from "./harness.js"
import { tempDir } from "./support.js"

const ROWS = 10_000
const RATE = 50
const child = fileURLToPath(new URL("./fixtures/syncChild.ts", import.meta.url))

interface Running {
  readonly process: ChildProcess
  readonly exit: Promise<{
    readonly code: number | null
    readonly signal: NodeJS.Signals | null
    readonly out: string
    readonly err: string
  }>
}

const start = (target: Crm, ledgerFile: string): Running => {
  const process_ = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      child,
      target.sandbox.url,
      Redacted.value(target.sandbox.token),
      ledgerFile,
      String(ROWS),
      String(RATE),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  )
  let out = ""
  let err = ""
  process_.stdout.on("data", (data: Buffer) => (out += data.toString()))
  process_.stderr.on("data", (data: Buffer) => (err += data.toString()))
  return {
    process: process_,
    exit: new Promise((resolve) =>
      process_.on("exit", (code, signal) => resolve({ code, signal, out, err })),
    ),
  }
}

const accepted = (target: Crm) =>
  Effect.map(target.sandbox.stats, (stats) => stats.requests.byStatus["202"] ?? 0)

/** Runs the child to completion and returns its report. */
const complete = (target: Crm, ledgerFile: string) =>
  Effect.gen(function* () {
    const run = start(target, ledgerFile)
    const done = yield* Effect.promise(() => run.exit)
    if (done.code !== 0) throw new Error(`the sync child failed (${done.code}): ${done.err}`)
    return JSON.parse(done.out) as {
      readonly read: number
      readonly unchanged: number
      readonly requests: number
    }
  })

/** Starts the child and kills it with SIGKILL once the sandbox has accepted `batches` batches in all. */
const killAfter = (target: Crm, ledgerFile: string, batches: number) =>
  Effect.gen(function* () {
    const run = start(target, ledgerFile)
    yield* Effect.repeat(accepted(target), {
      until: (n) => n >= batches,
      schedule: Schedule.spaced("5 millis"),
    }).pipe(
      Effect.raceFirst(
        Effect.promise(() => run.exit).pipe(
          Effect.flatMap((done) =>
            Effect.die(`the child ended before it was killed: ${done.out} ${done.err}`),
          ),
        ),
      ),
    )
    run.process.kill("SIGKILL")
    const done = yield* Effect.promise(() => run.exit)
    expect(done.signal).toBe("SIGKILL")
  })

describe("a sync killed with SIGKILL and run again", () => {
  it.scopedLive(
    "leaves the CRM exactly matching the source, with at most 10% more requests than a clean run",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const clean = yield* crm({ db: join(dir, "clean-crm.db"), processingDelay: 20 })
        const cleanReport = yield* complete(clean, join(dir, "clean.db"))
        expect(cleanReport.read).toBe(ROWS)
        const cleanRequests = yield* clean.requests
        expect(cleanRequests).toBe(ROWS / 100)

        const crashed = yield* crm({ db: join(dir, "crashed-crm.db"), processingDelay: 20 })
        const ledger = join(dir, "crashed.db")
        for (const batches of [5, 40, 80]) yield* killAfter(crashed, ledger, batches)
        const last = yield* complete(crashed, ledger)
        // the last run skipped what earlier runs had got accepted
        expect(last.unchanged).toBeGreaterThanOrEqual(80 * 100 - 2 * 100 * 3)
        expect(last.read).toBe(ROWS)

        const total = yield* crashed.requests
        expect(total).toBeLessThanOrEqual(Math.floor(cleanRequests * 1.1))
        expect(yield* crashed.people).toEqual(asStored(people(ROWS)))
        // and a run after that sends nothing
        const after = yield* complete(crashed, ledger)
        expect([after.unchanged, after.requests]).toEqual([ROWS, 0])
      }),
    120_000,
  )
})
