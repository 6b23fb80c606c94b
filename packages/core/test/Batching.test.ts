/** Property-based: whatever the rows, chunking, batch size and concurrency, the batches keep the pipeline's invariants. */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import fc from "fast-check"
import { ContactSink, Mapping, SourceRow, Sync, SyncReport } from "../src/index.js"
import type { Contact } from "../src/index.js"

const mapping = Mapping.make({
  key: "id",
  fields: { email: "email", mobileCountryCode: "cc", mobileNumber: "mobile" },
  properties: { v: "v" },
})

const arbitraryRow = fc.record({
  key: fc.integer({ min: 0, max: 15 }),
  email: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  upper: fc.boolean(),
  mobile: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
})

const identitiesOf = (c: Contact.Contact) => [
  ...(c.email != null ? [`e:${c.email.toLowerCase()}`] : []),
  ...(c.mobileNumber != null ? [`m:${c.mobileCountryCode}:${c.mobileNumber}`] : []),
]

describe("batching invariants (fast-check)", () => {
  it("no batch over the limit, no identity twice in a batch, order kept per key and per identity, the last row of a key wins", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbitraryRow, { minLength: 1, maxLength: 150 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 1, max: 4 }),
        async (specs, batchSize, extraWindow, chunkSize, concurrency) => {
          const rows = specs.map((spec, i) =>
            SourceRow.make({
              position: `#${i}`,
              fields: {
                id: `k${spec.key}`,
                // Every row needs an identity: fall back to a mobile derived from the key.
                email:
                  spec.email === undefined
                    ? ""
                    : spec.upper
                      ? `E${spec.email}@X.ORG`
                      : `e${spec.email}@x.org`,
                cc: "44",
                mobile:
                  spec.mobile === undefined
                    ? spec.email === undefined
                      ? String(1000 + spec.key)
                      : ""
                    : String(spec.mobile + 1),
                v: String(i),
              },
            }),
          )
          const chunks = Array.from({ length: Math.ceil(rows.length / chunkSize) }, (_, i) =>
            Chunk.unsafeFromArray(rows.slice(i * chunkSize, (i + 1) * chunkSize)),
          )
          const memory = await Effect.runPromise(ContactSink.makeMemory)
          const report = await Effect.runPromise(
            Sync.run({
              name: "prop",
              source: Stream.fromChunks(...chunks),
              mapping,
              batchSize,
              dedupeWindow: batchSize + extraWindow,
              concurrency,
            }).pipe(Effect.provideService(ContactSink.ContactSink, memory.service)),
          )
          const sent = await Effect.runPromise(memory.sent)
          expect(SyncReport.isComplete(report)).toBe(true)
          expect(report.accepted + report.superseded).toBe(rows.length)

          const versionsByKey = new Map<string, Array<number>>()
          const versionsById = new Map<string, Array<number>>()
          for (const request of sent) {
            const contacts = request.createUpdateContacts
            expect(contacts.length).toBeGreaterThanOrEqual(1)
            expect(contacts.length).toBeLessThanOrEqual(batchSize)
            const ids = contacts.flatMap(identitiesOf)
            expect(new Set(ids).size).toBe(ids.length)
            for (const contact of contacts) {
              const v = Number(contact.propertyFields?.[0]?.propertyValue)
              const key = rows[v]!.fields.id as string
              versionsByKey.set(key, [...(versionsByKey.get(key) ?? []), v])
              for (const id of identitiesOf(contact))
                versionsById.set(id, [...(versionsById.get(id) ?? []), v])
            }
          }
          const increasing = (vs: ReadonlyArray<number>) => vs.every((v, i) => i === 0 || vs[i - 1]! < v)
          for (const vs of versionsByKey.values()) expect(increasing(vs)).toBe(true)
          for (const vs of versionsById.values()) expect(increasing(vs)).toBe(true)
          // The last row of each key is sent, and it is the last one sent for the key.
          const lastOfKey = new Map(rows.map((row, i) => [row.fields.id as string, i]))
          for (const [key, last] of lastOfKey) expect(versionsByKey.get(key)?.at(-1)).toBe(last)
          // Every row is either sent once or superseded.
          expect([...versionsByKey.values()].reduce((n, vs) => n + vs.length, 0)).toBe(report.accepted)
        },
      ),
      { numRuns: 150, seed: 4242 },
    )
  })
})
