/**
 * The webhook receiver over real HTTP on 127.0.0.1 judges each report against the batch it claims:
 * one that does not fit is refused with 422 and its reason, never handed over, and counted; the
 * CRM's report after it is still taken.
 */
import { type BatchReport, BatchResults } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { WebhookReceiver } from "../src/index.js"

const LIST = "9fc6ad7d-902a-4834-b161-a4911b883d44"

const batch: BatchResults.Expected = { batchId: "b-7", listId: LIST, contactIds: [undefined, 4294967300] }

const real: BatchReport.BatchReport = {
  batchId: "b-7",
  listId: LIST,
  inserted: { count: 1, contactIds: ["4294967401"] },
  updated: { count: 1, contactIds: ["4294967300"] },
  skipped: { count: 0, contactIds: [] },
  results: [
    { index: 0, contactId: "4294967401", outcome: "inserted" },
    { index: 1, contactId: "4294967300", outcome: "updated" },
  ],
}

/** One forgery per rule, each otherwise like the real report. */
const forgeries: ReadonlyArray<readonly [string, BatchReport.BatchReport]> = [
  [
    "the report names list 00000000-0000-4000-8000-000000000000, the batch was sent to " + LIST,
    { ...real, listId: "00000000-0000-4000-8000-000000000000" },
  ],
  ["the report has 1 results for a batch of 2 contacts", { ...real, results: real.results.slice(0, 1) }],
  [
    "result index 0 appears twice",
    { ...real, results: [real.results[0]!, { ...real.results[1]!, index: 0 }] },
  ],
  [
    "result index 5 is outside the batch (0..1)",
    { ...real, results: [real.results[0]!, { ...real.results[1]!, index: 5 }] },
  ],
  [
    "the report counts 2 inserted where its results have 1",
    { ...real, inserted: { count: 2, contactIds: ["4294967401"] } },
  ],
  [
    "result 1 names contact 4294967401, the row was sent for contact 4294967300",
    {
      ...real,
      updated: { count: 1, contactIds: ["4294967401"] },
      results: [real.results[0]!, { ...real.results[1]!, contactId: "4294967401" }],
    },
  ],
]

const post = (url: string, body: unknown) =>
  Effect.promise(() =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then(async (response) => ({ status: response.status, text: await response.text() })),
  )

describe("WebhookReceiver checks each report against its batch", () => {
  it.scopedLive("refuses each inconsistent report with 422 and its reason, then takes the CRM's", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make()
      yield* receiver.expect(batch)
      const waiting = yield* Effect.fork(receiver.await("b-7", "10 seconds"))
      for (const [reason, forged] of forgeries)
        expect(yield* post(receiver.webHookUrl, forged)).toEqual({ status: 422, text: reason })
      expect(yield* post(receiver.webHookUrl, real)).toEqual({ status: 204, text: "" })
      expect(yield* Fiber.join(waiting)).toEqual(Option.some(real))
      const refused = yield* receiver.takeRefused
      expect(refused).toEqual({
        count: forgeries.length,
        reports: forgeries.map(([reason]) => ({ batchId: "b-7", reason })),
      })
      // Each refusal is told once.
      expect(yield* receiver.takeRefused).toEqual({ count: 0, reports: [] })
    }),
  )

  it.scopedLive("refuses a report for another batch id with 404 after waiting for it to be told", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make({ unknownBatchWait: "100 millis" })
      yield* receiver.expect(batch)
      expect(yield* post(receiver.webHookUrl, { ...real, batchId: "b-8" })).toEqual({
        status: 404,
        text: "no batch b-8 is awaited by this receiver",
      })
      expect((yield* receiver.takeRefused).count).toBe(1)
      expect(yield* post(receiver.webHookUrl, real)).toEqual({ status: 204, text: "" })
    }),
  )

  it.scopedLive("takes a report that arrives before its batch is told, once it is", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make({ unknownBatchWait: "10 seconds" })
      const posting = yield* Effect.fork(post(receiver.webHookUrl, real))
      yield* Effect.sleep("50 millis")
      yield* receiver.expect(batch)
      expect(yield* Fiber.join(posting)).toEqual({ status: 204, text: "" })
      expect(yield* receiver.await("b-7", "1 second")).toEqual(Option.some(real))
    }),
  )

  it.scopedLive("refuses a report for a batch given up on", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make({ unknownBatchWait: "50 millis" })
      yield* receiver.expect(batch)
      expect(yield* receiver.await("b-7", "20 millis")).toEqual(Option.none())
      expect((yield* post(receiver.webHookUrl, real)).status).toBe(404)
    }),
  )

  it.scopedLive("counts posts that are no report at all", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make({ maxBodyBytes: 1000 })
      expect((yield* post(receiver.webHookUrl, { batchId: "b-7" })).status).toBe(400)
      expect((yield* post(receiver.webHookUrl, { ...real, padding: "x".repeat(2000) })).status).toBe(413)
      expect(yield* receiver.takeRefused).toEqual({
        count: 2,
        reports: [
          { batchId: undefined, reason: "not a batch report" },
          { batchId: undefined, reason: "the report is larger than 1000 bytes" },
        ],
      })
    }),
  )
})
