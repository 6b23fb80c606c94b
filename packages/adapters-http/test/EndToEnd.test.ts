/**
 * The whole way over real HTTP on 127.0.0.1: an in-memory source through core's pipeline, the
 * MainBrainer sink and the sandbox, with each row's final outcome from the webhook receiver, and
 * the result checked through the sandbox's `/sandbox/contacts`.
 */
import { SyncReport } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Crm from "./fixtures/Crm.js"

/** Every row ended once, with a contact that holds exactly what the row gave, and nothing else is stored. */
const expectExactlyAsGiven = (
  people: ReadonlyArray<Crm.Person>,
  settled: Map<string, ReadonlyArray<{ readonly outcome: string; readonly contactId?: string | undefined }>>,
  contacts: ReadonlyArray<Crm.Stored>,
) => {
  const byId = new Map(contacts.map((contact) => [contact.contactId, contact]))
  expect(contacts.length).toBe(people.length)
  const emails = contacts.flatMap((contact) => (contact.email === null ? [] : [contact.email]))
  expect(new Set(emails).size).toBe(emails.length)
  const mismatches: Array<string> = []
  for (const person of people) {
    const rows = settled.get(person.id) ?? []
    const contact = rows[0]?.contactId === undefined ? undefined : byId.get(rows[0].contactId)
    if (rows.length !== 1 || contact === undefined) {
      mismatches.push(`${person.id}: settled ${rows.length} times, contact ${rows[0]?.contactId}`)
      continue
    }
    if (JSON.stringify(Crm.actual(contact)) !== JSON.stringify(Crm.expected(person)))
      mismatches.push(`${person.id}: ${JSON.stringify(Crm.actual(contact))}`)
  }
  expect(mismatches.slice(0, 5)).toEqual([])
}

const outcomes = (settled: Map<string, ReadonlyArray<{ readonly outcome: string }>>) => {
  const counts: Record<string, number> = {}
  for (const rows of settled.values())
    for (const row of rows) counts[row.outcome] = (counts[row.outcome] ?? 0) + 1
  return counts
}

describe("end to end against the sandbox", () => {
  it.scopedLive(
    "10,000 contacts end in the CRM exactly as given, and a second sync of changed rows updates them",
    () =>
      Effect.gen(function* () {
        const crm = yield* Crm.start({})
        const people = Crm.people(10_000)
        const first = yield* Crm.sync(crm, people)
        expect(first.report).toMatchObject({
          read: 10_000,
          inserted: 10_000,
          failed: 0,
          accepted: 0,
          rejected: 0,
        })
        expect(SyncReport.isComplete(first.report)).toBe(true)
        expect(outcomes(first.settled)).toEqual({ inserted: 10_000 })
        expectExactlyAsGiven(people, first.settled, yield* Crm.stored(crm))

        const changed = people
          .filter((_, i) => i % 5 === 0)
          .map((person) => ({ ...person, company: "Moved Ltd" }))
        const second = yield* Crm.sync(crm, changed)
        expect(second.report).toMatchObject({ read: 2_000, updated: 2_000, failed: 0 })
        expect(outcomes(second.settled)).toEqual({ updated: 2_000 })
        for (const person of changed)
          expect(second.settled.get(person.id)?.[0]?.contactId).toBe(
            first.settled.get(person.id)?.[0]?.contactId,
          )
        const afterwards = new Map(changed.map((person) => [person.id, person]))
        expectExactlyAsGiven(
          people.map((person) => afterwards.get(person.id) ?? person),
          new Map([...first.settled].map(([key, rows]) => [key, rows])),
          yield* Crm.stored(crm),
        )
      }),
  )

  it.scopedLive(
    "with faults and a rate limit, 10,000 contacts still end exactly as given, each counted once",
    () =>
      Effect.gen(function* () {
        const crm = yield* Crm.start({
          sandbox: { failRate: 0.1, resetRate: 0.05, dropResponseRate: 0.05, rateLimit: 20, seed: 7 },
          requestsPerSecond: 20,
        })
        const people = Crm.people(10_000)
        const { report, settled } = yield* Crm.sync(crm, people, {
          concurrency: 6,
          maxAttempts: 12,
          retryBaseDelay: "20 millis",
          retryMaxDelay: "500 millis",
        })
        expect(report).toMatchObject({ read: 10_000, failed: 0, accepted: 0, rejected: 0, rateLimited: 0 })
        expect(report.inserted + report.updated).toBe(10_000)
        expect(SyncReport.isComplete(report)).toBe(true)
        // The faults did happen: retried batches, and lost responses whose batches were applied and resent.
        expect(report.retries).toBeGreaterThan(0)
        expect(report.responsesLost).toBeGreaterThan(0)
        expectExactlyAsGiven(people, settled, yield* Crm.stored(crm))
        const stats = yield* crm.sandbox.stats
        expect(stats.requests.byStatus["429"] ?? 0).toBe(0)
        expect(stats.requests.peakPerSecond).toBeLessThanOrEqual(20)
      }),
  )

  it.scopedLive("two rows (two keys) with one email end as one contact: the later row updates it", () =>
    Effect.gen(function* () {
      const crm = yield* Crm.start({})
      const people = Crm.people(300).map((person, i) =>
        i === 21 || i === 22 ? { ...person, email: "shared@example.com" } : person,
      )
      const { report, settled } = yield* Crm.sync(crm, people)
      expect(report).toMatchObject({ read: 300, inserted: 299, updated: 1, failed: 0 })
      expect(settled.get("r21")?.[0]).toMatchObject({ outcome: "inserted" })
      expect(settled.get("r22")?.[0]).toMatchObject({
        outcome: "updated",
        contactId: settled.get("r21")?.[0]?.contactId,
      })
      const contacts = yield* Crm.stored(crm)
      expect(contacts.length).toBe(299)
      expect(contacts.filter((contact) => contact.email === "shared@example.com")).toHaveLength(1)
    }),
  )

  it.scopedLive("a token the CRM does not know stops the sync with Unauthorized, and is not shown", () =>
    Effect.gen(function* () {
      const crm = yield* Crm.start({ token: "not-the-sandbox-token-1f4e" })
      const error = yield* Effect.flip(Crm.sync(crm, Crm.people(50)))
      expect(error).toMatchObject({ _tag: "SyncError", reason: "Unauthorized" })
      expect(JSON.stringify(error) + String(error)).not.toContain("not-the-sandbox-token-1f4e")
      expect((yield* crm.sandbox.stats).contacts).toBe(0)
    }),
  )
})
