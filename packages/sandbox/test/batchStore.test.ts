/** The batch store alone, on an in-memory database: the queue, applied reports, webhook state and counts. */
import type { BatchReport, BatchRequest } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as BatchStore from "../src/internal/batchStore.js"
import { memoryDb } from "./support.js"

const request = (webHookUrl?: string | null): BatchRequest.BatchRequest => ({
  listId: "9fc6ad7d-902a-4834-b161-a4911b883d44",
  createUpdateContacts: [{ email: "a@example.com" }, { email: "b@example.com" }],
  ...(webHookUrl !== undefined ? { webHookUrl } : {}),
})

const report = (batchId: string): BatchReport.BatchReport => ({
  batchId,
  listId: null,
  inserted: { count: 1, contactIds: ["4294967296"] },
  updated: { count: 0, contactIds: [] },
  skipped: { count: 0, contactIds: [] },
  results: [{ index: 0, contactId: "4294967296", outcome: "inserted" }],
})

const withStore = <A, E>(f: (store: BatchStore.BatchStore) => Effect.Effect<A, E>) =>
  Effect.flatMap(BatchStore.make, f).pipe(Effect.provide(memoryDb))

describe("batchStore", () => {
  it.effect(
    "queues batches in order; a batch is taken while queued, then marked applied with its report",
    () =>
      withStore((store) =>
        Effect.gen(function* () {
          expect(yield* store.nextQueued).toBeUndefined()
          yield* store.enqueue({
            batchId: "b1",
            request: request("http://127.0.0.1:9/hook"),
            acceptedAt: 2000,
          })
          yield* store.enqueue({ batchId: "b2", request: request(), acceptedAt: 1000 })
          expect(yield* store.nextQueued).toEqual({ batchId: "b1", acceptedAt: 2000 })
          expect(yield* store.queued("b1")).toEqual({
            request: request("http://127.0.0.1:9/hook"),
            webHookUrl: "http://127.0.0.1:9/hook",
          })
          expect(yield* store.batch("b1")).toEqual({
            batchId: "b1",
            state: "queued",
            contacts: 2,
            acceptedAt: "1970-01-01T00:00:02.000Z",
            appliedAt: null,
            report: null,
            webhook: { url: "http://127.0.0.1:9/hook", state: "pending", attempts: 0, lastError: null },
          })

          yield* store.markApplied("b1", 5000, report("b1"))
          expect(yield* store.queued("b1")).toBeUndefined()
          expect(yield* store.nextQueued).toEqual({ batchId: "b2", acceptedAt: 1000 })
          expect(yield* store.batch("b1")).toMatchObject({
            state: "applied",
            appliedAt: "1970-01-01T00:00:05.000Z",
            report: report("b1"),
          })
          expect(yield* store.batch("nope")).toBeUndefined()
        }),
      ),
  )

  it.effect("a blank or missing webHookUrl means no webhook", () =>
    withStore((store) =>
      Effect.gen(function* () {
        yield* store.enqueue({ batchId: "blank", request: request("  "), acceptedAt: 0 })
        yield* store.enqueue({ batchId: "null", request: request(null), acceptedAt: 0 })
        yield* store.enqueue({ batchId: "trimmed", request: request(" http://localhost/h "), acceptedAt: 0 })
        expect((yield* store.batch("blank"))?.webhook).toMatchObject({ url: null, state: "none" })
        expect((yield* store.queued("null"))?.webHookUrl).toBeNull()
        expect((yield* store.batch("trimmed"))?.webhook).toMatchObject({
          url: "http://localhost/h",
          state: "pending",
        })
      }),
    ),
  )

  it.effect(
    "pending webhooks are those of applied batches not yet delivered or given up on; counts follow",
    () =>
      withStore((store) =>
        Effect.gen(function* () {
          for (const batchId of ["b1", "b2", "b3", "b4"]) {
            yield* store.enqueue({ batchId, request: request("http://localhost/h"), acceptedAt: 0 })
          }
          yield* store.enqueue({ batchId: "b5", request: request(), acceptedAt: 0 })
          for (const batchId of ["b1", "b2", "b3", "b5"])
            yield* store.markApplied(batchId, 1, report(batchId))
          yield* store.setWebhook("b1", "delivered", 1, null)
          yield* store.setWebhook("b2", "failed", 5, "boom")
          yield* store.setWebhook("b4", "refused", 0, "host not allowed")

          expect(yield* store.pendingWebhooks).toEqual([
            { batchId: "b3", url: "http://localhost/h", report: report("b3") },
          ])
          expect((yield* store.batch("b2"))?.webhook).toEqual({
            url: "http://localhost/h",
            state: "failed",
            attempts: 5,
            lastError: "boom",
          })
          expect(yield* store.counts).toEqual({
            queued: 1,
            applied: 4,
            delivered: 1,
            refused: 1,
            failed: 1,
            pending: 1,
          })
          yield* store.reset
          expect(yield* store.counts).toEqual({
            queued: 0,
            applied: 0,
            delivered: 0,
            refused: 0,
            failed: 0,
            pending: 0,
          })
        }),
      ),
  )
})
