import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { BatchResults, ContactSink, Mapping, Sync, SyncReport } from "../src/index.js"
import type { SyncEvent } from "../src/index.js"
import * as FakeCrm from "./fixtures/FakeCrm.js"
import { chunked, contactRows, mapping } from "./fixtures/rows.js"

const fast = { retryBaseDelay: "1 millis", retryMaxDelay: "5 millis", flushAfter: "50 millis" } as const

/** Runs a sync against a fake CRM, collecting every event. */
const syncAgainst = (
  crm: ReturnType<typeof FakeCrm.make>,
  options: Partial<Sync.Options<never, never>> & { rows: number; withResults?: boolean },
) =>
  Effect.gen(function* () {
    const events: Array<SyncEvent.SyncEvent> = []
    const { rows, withResults, ...rest } = options
    const run = Sync.run({
      name: "faults",
      source: chunked(contactRows(rows)),
      mapping,
      ...fast,
      ...rest,
      onEvent: (event) => Effect.sync(() => events.push(event)),
    }).pipe(Effect.provideService(ContactSink.ContactSink, crm.sink))
    const report = yield* (
      withResults === false ? run : Effect.provideService(run, BatchResults.BatchResults, crm.results)
    ).pipe(Effect.either)
    return { report, events }
  })

/** The positions each terminal event settled, so that "exactly once" can be checked. */
const terminalPositions = (events: ReadonlyArray<SyncEvent.SyncEvent>) =>
  events.flatMap((event) => {
    switch (event._tag) {
      case "RowsRejected":
      case "RowsSuperseded":
      case "RowsUnchanged":
      case "RowsSkipped":
      case "RowsSettled":
      case "RowsFailed":
        return event.rows.map((row) => row.position)
      default:
        return []
    }
  })

const expectEveryRowOnce = (events: ReadonlyArray<SyncEvent.SyncEvent>, rows: number) => {
  const positions = terminalPositions(events)
  expect(positions.length).toBe(rows)
  expect(new Set(positions).size).toBe(rows)
}

describe("a sync against a faulty CRM", () => {
  it.live(
    "waits out 429s, retries 5xx and timeouts, resends lost responses: every row lands once, requests only for faults",
    () =>
      Effect.gen(function* () {
        const crm = FakeCrm.make({
          seed: 7,
          rateLimited: 0.06,
          serverError: 0.06,
          timeout: 0.04,
          responseLost: 0.04,
        })
        const { report, events } = yield* syncAgainst(crm, { rows: 5000, maxAttempts: 12 })
        if (report._tag === "Left") throw report.left
        const r = report.right
        expect(SyncReport.isComplete(r)).toBe(true)
        expectEveryRowOnce(events, 5000)
        expect(r.failed).toBe(0)
        expect(r.inserted + r.updated).toBe(5000)
        expect(r.rateLimited).toBeGreaterThan(0)
        expect(r.retries).toBeGreaterThan(0)
        expect(r.responsesLost).toBeGreaterThan(0)
        // No row of a good batch lost: the CRM holds every row's values.
        for (let i = 0; i < 5000; i++)
          expect(crm.byEmail(`c${i}@example.com`)?.values.propertyFields?.[0]?.propertyValue).toBe(`F${i}`)
        // Close to the minimum: 50 batches, plus exactly one request per injected fault.
        expect(r.batches).toBe(50)
        expect(r.requests).toBe(50 + r.retries + r.rateLimited)
        expect(crm.stats.requests).toBe(r.requests)
        // A lost response was applied and resent: the resend updates, never duplicates.
        expect(crm.contacts().length).toBe(5000)
      }),
  )

  it.effect(
    "422 naming indices: exactly the named rows are rejected, the rest of their batch is resent once",
    () =>
      Effect.gen(function* () {
        const bad = new Set(Array.from({ length: 37 }, (_, i) => `c${(i * 53) % 2000}@example.com`))
        const crm = FakeCrm.make({ badEmails: bad, indexed: true })
        const { report, events } = yield* syncAgainst(crm, { rows: 2000 })
        if (report._tag === "Left") throw report.left
        const r = report.right
        expectEveryRowOnce(events, 2000)
        const rejected = events.flatMap((e) => (e._tag === "RowsRejected" && e.by === "crm" ? e.rows : []))
        expect(new Set(rejected.map((row) => `c${row.key?.slice(1)}@example.com`))).toEqual(bad)
        expect(rejected.every((row) => row.field === "email" && row.reason.endsWith("is invalid"))).toBe(true)
        expect(r.inserted).toBe(2000 - bad.size)
        const batchesWithBadRows = new Set(
          [...bad].map((email) => Math.floor(Number(email.slice(1, -12)) / 100)),
        ).size
        expect(r.requests).toBe(20 + batchesWithBadRows)
      }),
  )

  it.effect("422 without indices: bisection isolates exactly the bad rows and keeps every good one", () =>
    Effect.gen(function* () {
      const bad = new Set(["c5@example.com", "c150@example.com", "c151@example.com", "c999@example.com"])
      const crm = FakeCrm.make({ badEmails: bad, indexed: false })
      const { report, events } = yield* syncAgainst(crm, { rows: 1000 })
      if (report._tag === "Left") throw report.left
      const r = report.right
      expectEveryRowOnce(events, 1000)
      const rejected = events.flatMap((e) => (e._tag === "RowsRejected" && e.by === "crm" ? e.rows : []))
      expect(new Set(rejected.map((row) => `c${row.key?.slice(1)}@example.com`))).toEqual(bad)
      expect(r.inserted).toBe(996)
      expect(r.splits).toBeGreaterThan(0)
      // Each bad row costs at most two requests per halving of a 100-row batch.
      expect(r.requests).toBeLessThanOrEqual(10 + bad.size * 2 * Math.ceil(Math.log2(100)))
    }),
  )

  it.effect("409: the later row of a conflicting pair is sent after the rest was accepted", () =>
    Effect.gen(function* () {
      const crm = FakeCrm.make()
      const pairs = 12
      for (let i = 0; i < pairs; i++) crm.seedContact(`old${i}@example.com`, `44:7000000${100 + i}`)
      // Row a<i> names the stored contact by email, row b<i> by mobile: we cannot see they are one contact; the CRM can.
      const all = contactRows(400, (i) =>
        i < pairs * 2
          ? i % 2 === 0
            ? { id: `a${i / 2}`, email: `old${i / 2}@example.com`, first: "by email" }
            : { id: `b${(i - 1) / 2}`, cc: "44", mobile: `7000000${100 + (i - 1) / 2}`, first: "by mobile" }
          : { id: `k${i}`, email: `c${i}@example.com`, first: `F${i}` },
      )
      const events: Array<SyncEvent.SyncEvent> = []
      const r = yield* Sync.run({
        name: "conflicts",
        source: chunked(all),
        mapping,
        ...fast,
        onEvent: (event) => Effect.sync(() => events.push(event)),
      }).pipe(
        Effect.provideService(ContactSink.ContactSink, crm.sink),
        Effect.provideService(BatchResults.BatchResults, crm.results),
      )
      expectEveryRowOnce(events, 400)
      expect(r.deferred).toBe(pairs)
      expect(r.updated).toBe(pairs * 2)
      expect(r.inserted).toBe(400 - pairs * 2)
      for (let i = 0; i < pairs; i++) {
        const stored = crm.byEmail(`old${i}@example.com`)!
        expect(stored.applied).toBe(2)
        expect(stored.values.propertyFields?.[0]?.propertyValue).toBe("by mobile")
      }
      expect(r.requests).toBe(4 + 2) // one 409 in the first batch, then its rest and its moved rows
    }),
  )

  it.effect(
    "401 midway stops at once: no request after the 401 but those already in flight; nothing unaccepted is reported done",
    () =>
      Effect.gen(function* () {
        const crm = FakeCrm.make({ unauthorizedFrom: 9 })
        const { report, events } = yield* syncAgainst(crm, {
          rows: 20_000,
          concurrency: 4,
          withResults: false,
        })
        if (report._tag === "Right") throw new Error("expected the sync to stop")
        const error = report.left
        expect(error.reason).toBe("Unauthorized")
        expect(error.message).toContain("401 Unauthorized")
        const r = error.report!
        expect(SyncReport.isComplete(r)).toBe(true)
        expectEveryRowOnce(events, r.read)
        expect(crm.stats.afterUnauthorized).toBeLessThanOrEqual(3)
        expect(r.accepted).toBe(crm.stats.accepted * 100)
        expect(r.accepted).toBe(crm.contacts().length)
        expect(r.failed).toBe(r.read - r.accepted)
        expect(r.read).toBeLessThan(20_000)
        expect(events.some((e) => e._tag === "Stopped" && e.reason === "Unauthorized")).toBe(true)
      }),
  )

  it.live(
    "5xx on every attempt: the rows fail after maxAttempts with the last error, as dead letters with their contact",
    () =>
      Effect.gen(function* () {
        const crm = FakeCrm.make({ serverError: 1 })
        const { report, events } = yield* syncAgainst(crm, { rows: 250, maxAttempts: 3 })
        if (report._tag === "Left") throw report.left
        const r = report.right
        expect(r.failed).toBe(250)
        expect(r.requests).toBe(9)
        const failed = events.flatMap((e) => (e._tag === "RowsFailed" ? e.rows : []))
        expect(failed.length).toBe(250)
        const first = failed.find((row) => row.position === "line 2")
        expect(first).toMatchObject({ key: "k0", contact: { email: "c0@example.com" } })
        expect(first?.error).toBe("500 Server Error: boom (after 3 attempts)")
        expect(r.failedRows.length).toBe(250)
      }),
  )
})

describe("per-row results", () => {
  it.effect(
    "rows end inserted/updated/skipped with contactId and reason from the report, or accepted when no report came",
    () =>
      Effect.gen(function* () {
        const crm = FakeCrm.make()
        const known = crm.seedContact("known@example.com", "44:7000000999")
        const rows = contactRows(
          4,
          (i) =>
            [
              { id: "new", email: "new@example.com" },
              { id: "known", email: "KNOWN@example.com" },
              { id: "ghost", crm: "987654321" },
              { id: "new2", email: "new2@example.com" },
            ][i]!,
        )
        const withIds = Mapping.make({
          ...mapping.config,
          fields: { ...mapping.config.fields, contactId: "crm" },
        })
        const events: Array<SyncEvent.SyncEvent> = []
        const report = yield* Sync.run({
          name: "results",
          source: chunked(rows),
          mapping: withIds,
          onEvent: (event) => Effect.sync(() => events.push(event)),
        }).pipe(
          Effect.provideService(ContactSink.ContactSink, crm.sink),
          Effect.provideService(BatchResults.BatchResults, crm.results),
        )
        expect([report.inserted, report.updated, report.skipped]).toEqual([2, 1, 1])
        const settled = events.flatMap((e) => (e._tag === "RowsSettled" ? e.rows : []))
        expect(settled.find((row) => row.key === "known")).toMatchObject({
          outcome: "updated",
          contactId: String(known),
        })
        expect(settled.find((row) => row.key === "ghost")).toMatchObject({
          outcome: "skipped",
          reason: "unknown contactId",
        })

        const silent: BatchResults.Service = {
          webHookUrl: "http://127.0.0.1:1/hook",
          await: () => Effect.succeedNone,
        }
        const noReport = yield* Sync.run({
          name: "results",
          source: chunked(contactRows(150)),
          mapping,
        }).pipe(
          Effect.provideService(ContactSink.ContactSink, FakeCrm.make().sink),
          Effect.provideService(BatchResults.BatchResults, silent),
        )
        expect(noReport.accepted).toBe(150)
        expect(noReport.resultsMissing).toBe(2)
      }),
  )
})
