/**
 * The sink keeps to a configured rate: 20 requests/s of 100 contacts against a sandbox limited to
 * 20 requests/s, three runs of 30 seconds, with several requests in flight. The sandbox runs in its own
 * process, as a CRM would. Prints the sandbox's own count (statuses, most requests in any one
 * second) and the achieved rate as a share of the limit.
 */
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { ContactSink } from "@brainsync/core"
import { Sandbox } from "@brainsync/sandbox"
import { Clock, Context, Effect, Layer, Redacted } from "effect"
import { MainBrainer } from "../src/index.js"

const LIMIT = 20
const SECONDS = 30
const IN_FLIGHT = 8

const startSandbox = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly listId: string; readonly stop: () => void }>((resume) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", new URL("sandboxProcess.ts", import.meta.url).pathname, String(LIMIT)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    )
    createInterface({ input: child.stdout }).once("line", (line) => {
      const { url, listId } = JSON.parse(line) as { url: string; listId: string }
      resume(Effect.succeed({ url, listId, stop: () => child.kill() }))
    })
  }),
  (sandbox) => Effect.sync(sandbox.stop),
)

interface Stats {
  readonly requests: {
    readonly total: number
    readonly byStatus: Record<string, number>
    readonly peakPerSecond: number
  }
}

const RUNS = 3

/** One 30-second run against a freshly reset sandbox: the sandbox's stats and the rate achieved. */
const run = (sandbox: { readonly url: string; readonly listId: string }, sink: ContactSink.Service) =>
  Effect.gen(function* () {
    yield* Effect.promise(() =>
      fetch(`${sandbox.url}/sandbox/reset`, {
        method: "POST",
        headers: { authorization: `Bearer ${Sandbox.DEFAULT_TOKEN}` },
      }),
    )
    let sent = 0
    let accepted = 0
    const start = yield* Clock.currentTimeMillis
    const deadline = start + SECONDS * 1000
    const worker = (w: number) =>
      Effect.gen(function* () {
        while ((yield* Clock.currentTimeMillis) < deadline) {
          const n = sent++
          const contacts = Array.from({ length: 100 }, (_, i) => ({ email: `w${w}-${n}-${i}@example.com` }))
          const result = yield* Effect.either(
            sink.upsert({ listId: sandbox.listId, createUpdateContacts: contacts }),
          )
          if (result._tag === "Right") accepted++
        }
      })
    yield* Effect.all(
      Array.from({ length: IN_FLIGHT }, (_, w) => worker(w)),
      { concurrency: "unbounded" },
    )
    const elapsed = ((yield* Clock.currentTimeMillis) - start) / 1000
    const stats = (yield* Effect.promise(() =>
      fetch(`${sandbox.url}/sandbox/stats`, {
        headers: { authorization: `Bearer ${Sandbox.DEFAULT_TOKEN}` },
      }).then((r) => r.json()),
    )) as Stats
    return { sent, accepted, elapsed, stats, share: accepted / elapsed / LIMIT }
  })

const program = Effect.gen(function* () {
  const sandbox = yield* startSandbox
  const sink = Context.get(
    yield* Layer.build(
      MainBrainer.layer({
        baseUrl: sandbox.url,
        token: Redacted.make(Sandbox.DEFAULT_TOKEN),
        requestsPerSecond: LIMIT,
      }),
    ),
    ContactSink.ContactSink,
  )
  console.log(
    `sink at ${LIMIT} req/s (100 contacts each, ${IN_FLIGHT} in flight) against a sandbox limit of ${LIMIT} req/s in its own process, ${RUNS} runs of ${SECONDS} s`,
  )
  const shares: Array<number> = []
  for (let i = 1; i <= RUNS; i++) {
    const { sent, accepted, elapsed, stats, share } = yield* run(sandbox, sink)
    shares.push(share)
    console.log(
      `run ${i}: sandbox stats: requests ${stats.requests.total}, by status ${JSON.stringify(stats.requests.byStatus)}, ` +
        `429s ${stats.requests.byStatus["429"] ?? 0}, most in one second ${stats.requests.peakPerSecond}; ` +
        `accepted ${accepted} of ${sent} in ${elapsed.toFixed(1)} s = ${(share * LIMIT).toFixed(2)} req/s = ${(share * 100).toFixed(1)}% of the limit`,
    )
  }
  const median = [...shares].sort((a, b) => a - b)[Math.floor(shares.length / 2)]!
  console.log(
    `median achieved rate: ${(median * LIMIT).toFixed(2)} req/s = ${(median * 100).toFixed(1)}% of the limit (${(median * LIMIT * 100).toFixed(0)} contacts/s; goal >= 90%)`,
  )
  console.log(`peak RSS ${process.resourceUsage().maxRSS} KB (client process)`)
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
