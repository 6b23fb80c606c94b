/**
 * #17, finding 10, over real HTTP: a batch whose body would pass `maxRequestBytes` is split
 * before it leaves, so the sandbox (which answers 400 to a body above 5 MiB) never refuses one,
 * and a row too large to go even alone is rejected without being sent.
 */
import { ContactSink, Mapping, SourceRow, Sync, SyncReport } from "@brainsync/core"
import { Sandbox } from "@brainsync/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Context, Effect, Layer, Stream } from "effect"
import { MainBrainer } from "../src/index.js"

const PROPERTIES = 15
const names = Array.from({ length: PROPERTIES }, (_, i) => `Note ${i + 1}`)
const fixtures: Sandbox.Options["fixtures"] = {
  lists: [{ listId: "9fc6ad7d-902a-4834-b161-a4911b883d44" }],
  properties: names.map((propertyName, i) => ({
    propertyId: `00000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`,
    propertyName,
  })),
}

/** Rows with 15 notes of `length` characters each: at 4000 (the most a property holds), ~60 kB of JSON a row. */
const rows = (count: number, length: (i: number) => number) =>
  Stream.fromChunk(
    Chunk.unsafeFromArray(
      Array.from({ length: count }, (_, i) =>
        SourceRow.make({
          position: `line ${i + 2}`,
          fields: {
            id: `k${i}`,
            email: `c${i}@example.com`,
            ...Object.fromEntries(
              names.map((_, p) => [`note${p}`, String.fromCharCode(97 + p).repeat(length(i))]),
            ),
          },
        }),
      ),
    ),
  )

const syncOnSandbox = (
  count: number,
  length: (i: number) => number,
  options: { maxRequestBytes?: number } = {},
) =>
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.make({ processingDelay: 0, rateLimit: 0, fixtures })
    const sink = yield* Layer.build(MainBrainer.layer({ baseUrl: sandbox.url, token: sandbox.token }))
    const report = yield* Sync.run({
      name: "body-limit",
      source: rows(count, length),
      mapping: Mapping.make({
        listId: sandbox.listId,
        key: "id",
        fields: { email: "email" },
        properties: Object.fromEntries(names.map((name, p) => [name, `note${p}`])),
      }),
      flushAfter: "10 millis",
      ...options,
    }).pipe(Effect.provideService(ContactSink.ContactSink, Context.get(sink, ContactSink.ContactSink)))
    yield* sandbox.awaitIdle
    return { report, stats: yield* sandbox.stats, stored: yield* sandbox.contacts() }
  })

describe("request bodies against the sandbox's 5 MiB limit", () => {
  it.scopedLive(
    "a batch of 100 rows of ~60 kB (~6 MB) is split before it is sent: no request is refused",
    () =>
      Effect.gen(function* () {
        const { report, stats, stored } = yield* syncOnSandbox(100, () => 4000)
        expect(report).toMatchObject({
          read: 100,
          accepted: 100,
          rejected: 0,
          failed: 0,
          requests: 2,
          splits: 1,
        })
        expect(SyncReport.isComplete(report)).toBe(true)
        expect(stats.requests.byStatus).toEqual({ "202": 2 })
        expect(stored.length).toBe(100)
        expect(stored.every((contact) => contact.properties.length === PROPERTIES)).toBe(true)
      }),
  )

  it.scopedLive(
    "a row whose body alone passes maxRequestBytes is rejected, unsent; the others are stored",
    () =>
      Effect.gen(function* () {
        const { report, stats, stored } = yield* syncOnSandbox(3, (i) => (i === 1 ? 4000 : 10), {
          maxRequestBytes: 50_000,
        })
        expect(report).toMatchObject({ read: 3, accepted: 2, rejected: 1, requests: 1 })
        expect(report.rejectedRows).toEqual([
          expect.objectContaining({
            position: "line 3",
            field: "contact",
            reason: expect.stringMatching(
              /^its request body alone would be \d+ bytes, above the limit of 50000 \(maxRequestBytes\), so it was not sent/,
            ),
          }),
        ])
        expect(stats.requests.byStatus).toEqual({ "202": 1 })
        expect(stored.map((contact) => contact.email)).toEqual(["c0@example.com", "c2@example.com"])
      }),
  )
})
