import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Layer, Stream, TestClock } from "effect"
import { ContactSink, DryRun, Ledger, Mapping, SourceRow, Sync } from "../src/index.js"

const mapping = Mapping.make({
  listId: "9fc6ad7d-902a-4834-b161-a4911b883d44",
  key: "id",
  fields: { email: "email", emailOptIn: "news" },
  properties: { Company: "company" },
})
const rows = (n: number, edit: (i: number) => Record<string, string> = () => ({})) =>
  Stream.fromChunk(
    Chunk.unsafeFromArray(
      Array.from({ length: n }, (_, i) =>
        SourceRow.make({
          position: `line ${i + 2}`,
          fields: { id: `k${i}`, email: `c${i}@example.com`, news: "yes", company: "Acme", ...edit(i) },
        }),
      ),
    ),
  )

describe("DryRun", () => {
  it.effect("sends nothing and, without a ledger, counts every row to send as an insert", () =>
    Effect.gen(function* () {
      const { service, sent } = yield* ContactSink.makeMemory
      const preview = yield* DryRun.run({ name: "s", source: rows(250), mapping }).pipe(
        Effect.provideService(ContactSink.ContactSink, service),
      )
      expect(yield* sent).toEqual([])
      expect([preview.insert, preview.update, preview.report.accepted, preview.report.batches]).toEqual([
        250, 0, 250, 3,
      ])
    }),
  )

  it.effect("with a ledger: unchanged rows stay out, known rows are updates, with their field changes", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger.makeMemory
      const { service, sent } = yield* ContactSink.makeMemory
      const provide = <A, E>(effect: Effect.Effect<A, E, ContactSink.ContactSink | Ledger.Ledger>) =>
        effect.pipe(
          Effect.provide(
            Layer.merge(
              Layer.succeed(Ledger.Ledger, ledger),
              Layer.succeed(ContactSink.ContactSink, service),
            ),
          ),
        )
      yield* provide(Sync.run({ name: "s", source: rows(100), mapping }))
      const requests = (yield* sent).length

      const edited = rows(105, (i) =>
        i === 3 ? { news: "no" } : i === 40 ? { company: "Globex", email: "new40@example.com" } : {},
      )
      const preview = yield* provide(DryRun.run({ name: "s", source: edited, mapping }))
      expect((yield* sent).length).toBe(requests)
      expect([preview.insert, preview.update, preview.report.unchanged]).toEqual([5, 2, 98])
      expect(preview.differences).toEqual([
        { key: "k3", position: "line 5", changes: [{ field: "emailOptIn", before: true, after: false }] },
        {
          key: "k40",
          position: "line 42",
          changes: [
            { field: "email", before: "c40@example.com", after: "new40@example.com" },
            { field: "property:Company", before: "Acme", after: "Globex" },
          ],
        },
      ])
      // nothing was recorded: the real run still sends the same rows
      const real = yield* provide(Sync.run({ name: "s", source: edited, mapping }))
      expect([real.accepted, real.unchanged]).toEqual([7, 98])
    }),
  )

  it("diff lists changed fields, and properties added or dropped", () => {
    expect(
      DryRun.diff(
        { email: "a@x.io", propertyFields: [{ propertyName: "City", propertyValue: "Paris" }] },
        {
          email: "a@x.io",
          mobileNumber: 5,
          propertyFields: [{ propertyName: "Company", propertyValue: "Acme" }],
        },
      ),
    ).toEqual([
      { field: "mobileNumber", before: undefined, after: 5 },
      { field: "property:Company", before: undefined, after: "Acme" },
      { field: "property:City", before: "Paris", after: undefined },
    ])
  })

  it.effect("is never paced by requestsPerSecond: it only predicts", () =>
    Effect.gen(function* () {
      // Paced at one request every 1,000 s, these 20 batches would need hours of (virtual) time:
      // the minute given here ends them with a timeout.
      const dry = yield* Effect.fork(
        DryRun.run({ name: "s", source: rows(20), mapping, batchSize: 1, requestsPerSecond: 0.001 }).pipe(
          Effect.timeout("1 minute"),
        ),
      )
      yield* TestClock.adjust("1 minute")
      const preview = yield* Fiber.join(dry)
      expect([preview.insert, preview.report.batches]).toEqual([20, 20])
    }),
  )

  it.effect("still refuses a requestsPerSecond that Sync.run refuses", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        DryRun.run({ name: "s", source: rows(1), mapping, requestsPerSecond: -1 }),
      )
      expect([error.reason, error.message]).toEqual([
        "InvalidConfig",
        expect.stringContaining("requestsPerSecond must be more than 0, not -1"),
      ])
    }),
  )
})
