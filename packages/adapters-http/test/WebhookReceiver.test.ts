/** The webhook receiver over real HTTP on 127.0.0.1. */
import { describe, expect, it } from "@effect/vitest"
import { BatchResults } from "@brainsync/core"
import { Config, ConfigProvider, Context, Effect, Layer, Option } from "effect"
import { WebhookReceiver } from "../src/index.js"

const report = (batchId: string, contactId = "1") => ({
  batchId,
  listId: null,
  inserted: { count: 1, contactIds: [contactId] },
  updated: { count: 0, contactIds: [] },
  skipped: { count: 0, contactIds: [] },
  results: [{ index: 0, contactId, outcome: "inserted" }],
})

/** The batch `report(batchId)` answers: one contact, sent without a contactId, to no list. */
const batch = (batchId: string): BatchResults.Expected => ({ batchId, listId: null, contactIds: [undefined] })

const post = (url: string, body: unknown, init: RequestInit = {}) =>
  Effect.promise(() =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
      ...init,
    }).then(async (response) => {
      await response.arrayBuffer()
      return response.status
    }),
  )

describe("WebhookReceiver", () => {
  it.scopedLive("keeps a report that arrives before anyone waits, and hands it over once", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make()
      yield* receiver.expect(batch("b-1"))
      expect(yield* post(receiver.webHookUrl, report("b-1"))).toBe(204)
      expect(yield* receiver.await("b-1", "1 second")).toEqual(Option.some(report("b-1")))
      expect(yield* receiver.await("b-1", "20 millis")).toEqual(Option.none())
    }),
  )

  it.scopedLive("wakes a waiter when its report arrives", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make()
      yield* receiver.expect(batch("b-2"))
      const waiting = yield* Effect.fork(receiver.await("b-2", "5 seconds"))
      yield* Effect.sleep("20 millis")
      expect(yield* post(receiver.webHookUrl, report("b-2"))).toBe(204)
      expect(yield* waiting.await.pipe(Effect.flatten)).toEqual(Option.some(report("b-2")))
    }),
  )

  it.scopedLive("answers None when no report comes in time", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make()
      expect(yield* receiver.await("never", "30 millis")).toEqual(Option.none())
    }),
  )

  it.scopedLive("acknowledges repeated deliveries, keeps the first and refuses a different one", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make()
      yield* receiver.expect(batch("b-3"))
      expect(yield* post(receiver.webHookUrl, report("b-3", "7"))).toBe(204)
      expect(yield* post(receiver.webHookUrl, report("b-3", "7"))).toBe(204)
      expect(yield* post(receiver.webHookUrl, report("b-3", "8"))).toBe(409)
      expect(yield* receiver.await("b-3", "1 second")).toEqual(Option.some(report("b-3", "7")))
      // Delivered again after it was handed over: acknowledged, and not held for nobody.
      expect(yield* post(receiver.webHookUrl, report("b-3", "7"))).toBe(204)
      expect(yield* post(receiver.webHookUrl, report("b-3", "9"))).toBe(409)
      expect(yield* receiver.await("b-3", "20 millis")).toEqual(Option.none())
    }),
  )

  it.scopedLive("serves only its secret path and only POST", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make()
      const secret = new URL(receiver.webHookUrl).pathname
      expect(secret.length).toBeGreaterThan(30)
      expect(yield* post(`${receiver.listenUrl}/`, report("x"))).toBe(404)
      expect(yield* post(`${receiver.listenUrl}/webhooks/`, report("x"))).toBe(404)
      expect(yield* post(`${receiver.listenUrl}${secret}x`, report("x"))).toBe(404)
      const get = yield* Effect.promise(() => fetch(receiver.webHookUrl).then((r) => r.status))
      expect(get).toBe(405)
      expect(yield* receiver.await("x", "20 millis")).toEqual(Option.none())
      const other = yield* WebhookReceiver.make()
      expect(new URL(other.webHookUrl).pathname).not.toBe(secret)
    }),
  )

  it.scopedLive("refuses bodies over the limit with 413, with or without a length", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make()
      const big = JSON.stringify({ ...report("big"), padding: "x".repeat(1024 * 1024) })
      expect(yield* post(receiver.webHookUrl, big)).toBe(413)
      const chunked = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big))
          controller.close()
        },
      })
      expect(yield* post(receiver.webHookUrl, "", { body: chunked, duplex: "half" } as RequestInit)).toBe(413)
      expect(yield* receiver.await("big", "20 millis")).toEqual(Option.none())
    }),
  )

  it.scopedLive("refuses what is not a batch report with 400", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make()
      expect(yield* post(receiver.webHookUrl, "{not json")).toBe(400)
      expect(yield* post(receiver.webHookUrl, { batchId: "b" })).toBe(400)
    }),
  )

  it.scopedLive("gives the public URL with the secret path when one is configured", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make({ publicUrl: "https://hooks.example.com/crm/" })
      expect(receiver.webHookUrl).toMatch(/^https:\/\/hooks\.example\.com\/crm\/webhooks\/[\w-]{32}$/)
    }),
  )

  it.scopedLive("holds at most maxHeldReports unawaited reports, dropping the oldest", () =>
    Effect.gen(function* () {
      const receiver = yield* WebhookReceiver.make({ maxHeldReports: 2 })
      for (const id of ["a", "b", "c"]) {
        yield* receiver.expect(batch(id))
        expect(yield* post(receiver.webHookUrl, report(id))).toBe(204)
      }
      expect(yield* receiver.await("a", "20 millis")).toEqual(Option.none())
      expect(Option.isSome(yield* receiver.await("b", "20 millis"))).toBe(true)
      expect(Option.isSome(yield* receiver.await("c", "20 millis"))).toBe(true)
    }),
  )

  it.scopedLive("layerConfig reads its options from configuration", () =>
    Effect.gen(function* () {
      const results = yield* Layer.build(
        WebhookReceiver.layerConfig({ publicUrl: Config.string("WEBHOOK_PUBLIC_URL"), port: 0 }),
      ).pipe(
        Effect.map(Context.get(BatchResults.BatchResults)),
        Effect.withConfigProvider(
          ConfigProvider.fromMap(new Map([["WEBHOOK_PUBLIC_URL", "https://tunnel.example.net"]])),
        ),
      )
      expect(results.webHookUrl).toMatch(/^https:\/\/tunnel\.example\.net\/webhooks\//)
    }),
  )
})
