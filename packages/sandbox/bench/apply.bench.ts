/**
 * How fast the sandbox applies contacts, in batches of 1000 (goal: >= 20,000 contacts/s).
 *
 * - apply only: batches are accepted by a sandbox whose processing delay keeps them queued, then
 *   a restart on the same file database applies them (the restart-resume path); timed until idle.
 * - end to end: POST over HTTP on 127.0.0.1, then timed until every batch is applied.
 * Each runs inserts (new emails) and then updates (the same emails again), median of 3 runs.
 * Wall-clock rates depend on how busy the machine is; the CPU rates (contacts per second of this
 * process's CPU time) are steadier on a shared machine.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Redacted } from "effect"
import { Fixtures, Sandbox } from "../src/index.js"

const BATCHES = 20
const BATCH_SIZE = 1000
const RUNS = 3

const body = (batch: number, round: number) =>
  JSON.stringify({
    listId: Fixtures.DEFAULT_LIST_ID,
    createUpdateContacts: Array.from({ length: BATCH_SIZE }, (_, i) => ({
      email: `user${batch * BATCH_SIZE + i}@example.com`,
      emailOptIn: round % 2 === 0,
      mobileCountryCode: 44,
      mobileNumber: 7_700_000_000 + batch * BATCH_SIZE + i,
      propertyFields: [
        { propertyName: "First Name", propertyValue: `First ${i} r${round}` },
        { propertyName: "City", propertyValue: `City ${i % 50}` },
      ],
    })),
  })

const postAll = (sandbox: Sandbox.Service, round: number) =>
  Effect.forEach(
    Array.from({ length: BATCHES }, (_, b) => b),
    (b) =>
      Effect.promise(async () => {
        const response = await fetch(`${sandbox.url}/contacts/batch`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${Redacted.value(sandbox.token)}`,
            "content-type": "application/json",
          },
          body: body(b, round),
        })
        if (response.status !== 202) throw new Error(`status ${response.status}: ${await response.text()}`)
      }),
    { concurrency: 1, discard: true },
  )

const median = (values: Array<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const rate = (ms: number) => Math.round((BATCHES * BATCH_SIZE) / (ms / 1000))

interface Timing {
  readonly wallMs: number
  readonly cpuMs: number
}

const timed = <E, R>(effect: Effect.Effect<void, E, R>): Effect.Effect<Timing, E, R> =>
  Effect.suspend(() => {
    const wall = performance.now()
    const cpu = process.cpuUsage()
    return Effect.map(effect, () => {
      const used = process.cpuUsage(cpu)
      return { wallMs: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 }
    })
  })

const applyOnly = (db: string, round: number) =>
  Effect.gen(function* () {
    yield* Effect.scoped(
      Effect.flatMap(Sandbox.make({ db, processingDelay: "1 hour", rateLimit: 0 }), (sandbox) =>
        postAll(sandbox, round),
      ),
    )
    return yield* Effect.scoped(
      timed(
        Effect.flatMap(
          Sandbox.make({ db, processingDelay: 0, rateLimit: 0 }),
          (sandbox) => sandbox.awaitIdle,
        ),
      ),
    )
  })

const endToEnd = (db: string, round: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({ db, processingDelay: 0, rateLimit: 0 })
      return yield* timed(Effect.zipRight(postAll(sandbox, round), sandbox.awaitIdle))
    }),
  )

const measure = (
  name: string,
  run: (db: string, round: number) => Effect.Effect<Timing, Sandbox.SandboxError>,
) =>
  Effect.gen(function* () {
    const inserts: Array<Timing> = []
    const updates: Array<Timing> = []
    for (let r = 0; r < RUNS; r++) {
      const dir = mkdtempSync(join(tmpdir(), "sandbox-bench-"))
      const db = join(dir, "bench.db")
      inserts.push(yield* run(db, 0))
      updates.push(yield* run(db, 1))
      rmSync(dir, { recursive: true, force: true })
    }
    const line = (what: string, timings: Array<Timing>) =>
      `${what} ${String(rate(median(timings.map((t) => t.wallMs)))).padStart(6)}/s wall, ${String(rate(median(timings.map((t) => t.cpuMs)))).padStart(6)}/s CPU`
    console.log(
      `${name.padEnd(11)} ${line("inserts", inserts)}   ${line("updates", updates)}   (contacts; ${BATCHES} batches of ${BATCH_SIZE}, median of ${RUNS})`,
    )
  })

const program = Effect.gen(function* () {
  yield* measure("apply only", applyOnly)
  yield* measure("end to end", endToEnd)
  console.log(
    `goal: >= 20000 contacts/s applied; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
  )
})

Effect.runPromise(program).catch((error) => {
  console.error(error)
  process.exit(1)
})
