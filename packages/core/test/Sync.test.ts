import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { ContactSink, Mapping, SourceRow, Sync, SyncReport } from "../src/index.js"
import type { SyncEvent } from "../src/index.js"

const LIST = "9fc6ad7d-902a-4834-b161-a4911b883d44"
const mapping = Mapping.make({
  listId: LIST,
  key: "id",
  fields: { email: "email", mobileCountryCode: "cc", mobileNumber: "mobile", emailOptIn: "news" },
  properties: { "First Name": "first" },
})

/** Every column the mappings name, empty (as a CSV has them) unless a row gives a value. */
const NO_CELLS = { id: "", email: "", first: "", cc: "", mobile: "", news: "" }

const rows = (
  n: number,
  fields: (i: number) => Record<string, unknown> = (i) => ({
    id: `k${i}`,
    email: `c${i}@example.com`,
    first: `F${i}`,
  }),
) =>
  Array.from({ length: n }, (_, i) =>
    SourceRow.make({ position: `line ${i + 2}`, fields: { ...NO_CELLS, ...fields(i) } }),
  )

const chunked = (all: ReadonlyArray<SourceRow.SourceRow>, size = 250) =>
  Stream.fromChunks(
    ...Array.from({ length: Math.ceil(all.length / size) }, (_, i) =>
      Chunk.unsafeFromArray(all.slice(i * size, (i + 1) * size)),
    ),
  )

describe("Sync.run with an accepting sink", () => {
  it.effect("sends every row once, in batches of batchSize, and counts each row once", () =>
    Effect.gen(function* () {
      const memory = yield* ContactSink.makeMemory
      const report = yield* Sync.run({ name: "t", source: chunked(rows(3000)), mapping }).pipe(
        Effect.provideService(ContactSink.ContactSink, memory.service),
      )
      const sent = yield* memory.sent
      expect(report.read).toBe(3000)
      expect(report.accepted).toBe(3000)
      expect(SyncReport.isComplete(report)).toBe(true)
      expect(sent.length).toBe(30)
      expect(
        sent.every((request) => request.createUpdateContacts.length === 100 && request.listId === LIST),
      ).toBe(true)
      const emails = sent.flatMap((request) => request.createUpdateContacts.map((c) => c.email))
      expect(new Set(emails).size).toBe(3000)
      expect(sent[0]!.createUpdateContacts[0]).toEqual({
        email: "c0@example.com",
        propertyFields: [{ propertyName: "First Name", propertyValue: "F0" }],
      })
    }),
  )

  it.effect("refuses a batch size over 1000 with a clear message", () =>
    Effect.gen(function* () {
      const error = yield* Sync.run({ name: "t", source: chunked(rows(10)), mapping, batchSize: 5000 }).pipe(
        Effect.provide(ContactSink.layerMemory),
        Effect.flip,
      )
      expect(error.reason).toBe("InvalidConfig")
      expect(error.message).toContain(
        "batchSize 5000 is not allowed: the CRM takes 1 to 1000 contacts per request",
      )
    }),
  )

  it.effect("the last row of a key wins; earlier ones end superseded", () =>
    Effect.gen(function* () {
      const memory = yield* ContactSink.makeMemory
      const source = chunked(
        rows(10, (i) => ({ id: `k${i % 4}`, email: `c${i % 4}@example.com`, first: `v${i}` })),
        3,
      )
      const report = yield* Sync.run({ name: "t", source, mapping }).pipe(
        Effect.provideService(ContactSink.ContactSink, memory.service),
      )
      const sent = (yield* memory.sent).flatMap((r) => r.createUpdateContacts)
      expect(report.superseded).toBe(6)
      expect(report.accepted).toBe(4)
      expect(sent.map((c) => c.propertyFields?.[0]?.propertyValue).sort()).toEqual(["v6", "v7", "v8", "v9"])
    }),
  )

  it.effect("events stream ends with Finished and its terminal events add up to the rows read", () =>
    Effect.gen(function* () {
      const all = rows(500, (i) =>
        i % 50 === 0 ? { id: `k${i}`, email: "not-an-email" } : { id: `k${i}`, email: `c${i}@example.com` },
      )
      const events = yield* Sync.events({ name: "t", source: chunked(all), mapping }).pipe(
        Stream.runCollect,
        Effect.provide(ContactSink.layerMemory),
      )
      const list = Chunk.toReadonlyArray(events)
      const last = list[list.length - 1] as SyncEvent.Of<"Finished">
      expect(last._tag).toBe("Finished")
      expect(last.report.rejected).toBe(10)
      expect(last.report.rejectedRows[0]).toEqual({
        position: "line 2",
        key: "k0",
        field: "email",
        reason: "is not an email address",
      })
      expect(SyncReport.fold("t", list)).toEqual(last.report)
    }),
  )
})

describe("SyncReport.summary", () => {
  it("names the outcomes that occurred, in one line", () => {
    const report = {
      ...SyncReport.empty("crm"),
      read: 3,
      inserted: 1,
      updated: 1,
      rejected: 1,
      requests: 1,
      batches: 1,
    }
    expect(SyncReport.summary(report)).toBe(
      "crm: 3 read · 1 inserted · 1 updated · 1 rejected · 1 request in 1 batch",
    )
    const stopped = {
      ...report,
      requests: 2,
      retries: 3,
      stopped: { reason: "Unauthorized", message: "401 Unauthorized: bad token" },
    }
    expect(SyncReport.summary(stopped)).toBe(
      "crm: 3 read · 1 inserted · 1 updated · 1 rejected · 2 requests in 1 batch · 3 retries — STOPPED: 401 Unauthorized: bad token",
    )
  })
})
