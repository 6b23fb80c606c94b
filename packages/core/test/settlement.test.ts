/** Settlement alone: rows after their 202, by the CRM's reports or without them, and after a stop. */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, TestClock } from "effect"
import type { AcceptedPart } from "../src/internal/deliver.js"
import * as Settlement from "../src/internal/settlement.js"
import type { BatchReport, BatchResults, Ledger, SyncEvent } from "../src/index.js"
import { cutOf, item } from "./fixtures/items.js"

const make = (
  options: {
    results?: BatchResults.Service
    learned?: Array<Ledger.LearnedId>
    timeout?: Duration.DurationInput
  } = {},
) =>
  Effect.gen(function* () {
    const events: Array<SyncEvent.SyncEvent> = []
    const learned = options.learned
    const settlement = yield* Settlement.make({
      emit: (event) => Effect.sync(() => void events.push(event)),
      results: options.results,
      resultsTimeout: options.timeout ?? "1 minute",
      resultsConcurrency: 2,
      recordContactIds:
        learned === undefined
          ? undefined
          : (ids) =>
              Effect.sync(() => {
                // The ledger hears of the contactIds before the rows count as settled.
                expect(events.some((event) => event._tag === "RowsSettled" && event.batch === 1)).toBe(false)
                learned.push(...ids)
              }),
    })
    return { settlement, events }
  })

/** Reports by batchId; a batch without one gets no report within the timeout. */
const resultsFrom = (reports: Record<string, BatchReport.BatchReport>): BatchResults.Service => ({
  webHookUrl: "http://127.0.0.1:1/hook",
  await: (batchId, timeout) =>
    reports[batchId] !== undefined
      ? Effect.succeed(Option.some(reports[batchId]))
      : Effect.as(Effect.sleep(Duration.decode(timeout)), Option.none()),
})

const tally = { count: 0, contactIds: [] }

describe("Settlement", () => {
  it.effect("without a results service, the rows of accepted parts end accepted at once", () =>
    Effect.gen(function* () {
      const { settlement, events } = yield* make()
      expect(settlement.awaiting).toBeUndefined()
      const rows = [item("a"), item("b"), item("c")]
      const parts: Array<AcceptedPart> = [
        { batch: 4, batchId: "x", items: rows.slice(0, 2) },
        { batch: 4, batchId: "y", items: rows.slice(2) },
      ]
      yield* settlement.delivered(parts)
      expect(events).toEqual([
        {
          _tag: "RowsSettled",
          batch: 4,
          rows: [
            { position: "row a", key: "a", outcome: "accepted" },
            { position: "row b", key: "b", outcome: "accepted" },
          ],
        },
        { _tag: "RowsSettled", batch: 4, rows: [{ position: "row c", key: "c", outcome: "accepted" }] },
      ])
      expect(rows.every((row) => row.done)).toBe(true)
    }),
  )

  it.effect("with one, rows settle as the report says, after the ledger heard of the contactIds", () =>
    Effect.gen(function* () {
      const learned: Array<Ledger.LearnedId> = []
      const report: BatchReport.BatchReport = {
        batchId: "x",
        listId: null,
        inserted: tally,
        updated: tally,
        skipped: tally,
        results: [
          { index: 0, contactId: "7", outcome: "inserted" },
          { index: 2, contactId: null, outcome: "skipped", reason: "unknown contactId" },
        ],
      }
      const { settlement, events } = yield* make({ results: resultsFrom({ x: report }), learned })
      const awaiting = settlement.awaiting!
      const workers = yield* Effect.fork(awaiting.run)
      const rows = [item("a"), item("b"), item("c")]
      yield* settlement.delivered([{ batch: 1, batchId: "x", items: rows }])
      yield* awaiting.close
      yield* Fiber.join(workers)
      expect(learned).toEqual([{ key: "a", contactId: 7 }])
      expect(events).toEqual([
        {
          _tag: "RowsSettled",
          batch: 1,
          rows: [
            { position: "row a", key: "a", outcome: "inserted", contactId: "7", reason: undefined },
            { position: "row b", key: "b", outcome: "accepted" },
            {
              position: "row c",
              key: "c",
              outcome: "skipped",
              contactId: undefined,
              reason: "unknown contactId",
            },
          ],
        },
      ])
      expect(rows.every((row) => row.done)).toBe(true)
    }),
  )

  it.effect("a report that does not come within the timeout: ResultsMissing, and the rows end accepted", () =>
    Effect.gen(function* () {
      const { settlement, events } = yield* make({ results: resultsFrom({}), timeout: "30 seconds" })
      const awaiting = settlement.awaiting!
      const workers = yield* Effect.fork(awaiting.run)
      const rows = [item("a")]
      yield* settlement.delivered([{ batch: 2, batchId: "lost", items: rows }])
      yield* awaiting.close
      yield* TestClock.adjust("29 seconds")
      expect(events).toEqual([])
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(workers)
      expect(events).toEqual([
        { _tag: "ResultsMissing", batch: 2, batchId: "lost", size: 1 },
        { _tag: "RowsSettled", batch: 2, rows: [{ position: "row a", key: "a", outcome: "accepted" }] },
      ])
    }),
  )

  it.effect(
    "after a stop: open rows end accepted after a 202, else failed; then the unbatched ones fail",
    () =>
      Effect.gen(function* () {
        const { settlement, events } = yield* make()
        const [done, accepted, unsent] = [item("a"), item("b"), item("c")]
        done.done = true
        accepted.accepted = true
        const open = [
          { seq: 1, cut: cutOf(done, accepted, unsent) },
          { seq: 2, cut: cutOf(item("d")) },
        ]
        let stranded = 0
        yield* settlement.afterStop("401 Unauthorized: no", open, () => {
          stranded++
          return [{ position: "row e", key: "e", contact: { email: "e@example.com" } }]
        })
        const error = "not sent: the sync stopped (401 Unauthorized: no)"
        expect(events).toEqual([
          { _tag: "RowsSettled", batch: 1, rows: [{ position: "row b", key: "b", outcome: "accepted" }] },
          {
            _tag: "RowsFailed",
            batch: 1,
            rows: [{ position: "row c", key: "c", contact: { email: "c@example.com" }, error }],
          },
          {
            _tag: "RowsFailed",
            batch: 2,
            rows: [{ position: "row d", key: "d", contact: { email: "d@example.com" }, error }],
          },
          {
            _tag: "RowsFailed",
            batch: 0,
            rows: [{ position: "row e", key: "e", contact: { email: "e@example.com" }, error }],
          },
        ])
        expect(stranded).toBe(1)
        expect(open.every((batch) => batch.cut.items.every((row) => row.done))).toBe(true)
        // Every row has its outcome now: a second stop gives none.
        events.length = 0
        yield* settlement.afterStop("again", open, () => [])
        expect(events).toEqual([])
      }),
  )
})
