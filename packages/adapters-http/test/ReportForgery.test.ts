/**
 * Forged webhook reports over real HTTP: the sandbox as the CRM, the webhook receiver, and a sink
 * that, like an attacker who learned the webhook's URL, posts its own report for each batch the
 * moment the CRM accepted it, before the CRM's own report. The forgery is refused, the CRM's report
 * applied, the ledger learns only the CRM's contactIds, and the next run sends those.
 */
import type { BatchRequest } from "@brainsync/core"
import { type BatchReport, BatchResults, ContactSink, Ledger } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect } from "effect"
import * as Crm from "./fixtures/Crm.js"

/** A contactId the sandbox never gives (its ids start at 2^32). */
const FORGED_ID = "1234567"

type Forge = (request: BatchRequest.BatchRequest, batchId: string) => BatchReport.BatchReport

/** The finding's forgery: another list, tallies that do not add up, one contactId for every row. */
const poisoned: Forge = (request, batchId) => ({
  batchId,
  listId: "00000000-0000-4000-8000-000000000000",
  inserted: { count: 0, contactIds: [] },
  updated: { count: 1, contactIds: [FORGED_ID] },
  skipped: { count: 0, contactIds: [] },
  results: request.createUpdateContacts.map((_, index) => ({
    index,
    contactId: FORGED_ID,
    outcome: "updated" as const,
  })),
})

/** How `contactIdsSent` names a person: by email, or by mobile number for those without one. */
const identity = (person: Crm.Person) => person.email ?? String(Crm.expected(person).mobileNumber)

/**
 * The CRM's sink, plus an attacker: on each 202 it posts `forge`'s report to the request's
 * `webHookUrl` (without waiting for the answer); every request is kept.
 */
const attacked = (crm: Crm.Crm, forge: Forge) =>
  Effect.sync(() => {
    const inner = Context.get(crm.context, ContactSink.ContactSink)
    const forgeries: Array<Promise<number>> = []
    const sent: Array<BatchRequest.BatchRequest> = []
    const sink: ContactSink.Service = {
      ...inner,
      upsert: (request) =>
        Effect.tap(
          Effect.zipRight(
            Effect.sync(() => sent.push(request)),
            inner.upsert(request),
          ),
          (accepted) =>
            Effect.sync(() => {
              forgeries.push(
                fetch(request.webHookUrl!, {
                  method: "POST",
                  headers: { "content-type": "application/json" },
                  body: JSON.stringify(forge(request, accepted.data.batchId)),
                }).then(
                  async (response) => {
                    await response.arrayBuffer()
                    return response.status
                  },
                  () => 0,
                ),
              )
            }),
        ),
    }
    return {
      crm: { ...crm, context: Context.add(crm.context, ContactSink.ContactSink, sink) },
      /** The status each forgery got, once all are answered. */
      statuses: Effect.promise(() => Promise.all(forgeries)),
      sent,
    }
  })

const contactIdsSent = (requests: ReadonlyArray<BatchRequest.BatchRequest>) =>
  new Map(
    requests.flatMap((request) =>
      request.createUpdateContacts.map(
        (contact) => [contact.email ?? String(contact.mobileNumber), contact.contactId] as const,
      ),
    ),
  )

describe("forged webhook reports", () => {
  it.scopedLive(
    "are refused with 4xx and never applied; the CRM's report is, and the next run sends its contactIds",
    () =>
      Effect.gen(function* () {
        const crm = yield* Crm.start({ sandbox: { processingDelay: 300 } })
        const ledger = yield* Ledger.makeMemory
        const people = Crm.people(250)
        const first = yield* attacked(crm, poisoned)
        const run1 = yield* Crm.sync(first.crm, people).pipe(Effect.provideService(Ledger.Ledger, ledger))

        // Every forgery was refused (one per batch), and the run's report says so.
        const statuses = yield* first.statuses
        expect(statuses.length).toBe(first.sent.length)
        expect(statuses.every((status) => status >= 400 && status < 500)).toBe(true)
        expect(run1.report).toMatchObject({
          read: people.length,
          inserted: people.length,
          reportsRefused: first.sent.length,
        })
        const refused = run1.events.flatMap((event) => (event._tag === "ReportsRefused" ? event.reports : []))
        expect(refused.length).toBe(first.sent.length)

        // The rows ended as the CRM said: each its own contact, none the forged one.
        const ids = new Map([...run1.settled].map(([key, rows]) => [key, rows[0]?.contactId]))
        expect(new Set(ids.values()).size).toBe(people.length)
        expect([...ids.values()]).not.toContain(FORGED_ID)
        // The ledger learned the CRM's contactIds, not the forged one.
        const known = yield* ledger.lookup(
          Ledger.target("e2e", crm.sandbox.listId),
          people.map((p) => p.id),
        )
        for (const person of people) expect(String(known.get(person.id)?.contactId)).toBe(ids.get(person.id))

        // The next run sends every changed row with its own contact's id, and the CRM updates those.
        const second = yield* attacked(crm, poisoned)
        const changed = people.map((person) => ({ ...person, company: "Moved Ltd" }))
        const run2 = yield* Crm.sync(second.crm, changed).pipe(Effect.provideService(Ledger.Ledger, ledger))
        expect(run2.report).toMatchObject({ updated: people.length, reportsRefused: second.sent.length })
        const sentIds = contactIdsSent(second.sent)
        for (const person of people) expect(String(sentIds.get(identity(person)))).toBe(ids.get(person.id))
        for (const [key, rows] of run2.settled) expect(rows[0]?.contactId).toBe(ids.get(key))
      }),
  )

  it.scopedLive(
    "a forgery that fits the batch but gives every row one contact teaches no contactId (merge)",
    () =>
      Effect.gen(function* () {
        const crm = yield* Crm.start({ sandbox: { processingDelay: 300, webhookAttempts: 1 } })
        const ledger = yield* Ledger.makeMemory
        const people = Crm.people(40)
        const fitting: Forge = (request, batchId) => {
          const size = request.createUpdateContacts.length
          return {
            batchId,
            listId: request.listId ?? null,
            inserted: { count: 0, contactIds: [] },
            updated: { count: size, contactIds: Array.from({ length: size }, () => FORGED_ID) },
            skipped: { count: 0, contactIds: [] },
            results: Array.from({ length: size }, (_, index) => ({
              index,
              contactId: FORGED_ID,
              outcome: "updated" as const,
            })),
          }
        }
        const first = yield* attacked(crm, fitting)
        const run1 = yield* Crm.sync(first.crm, people).pipe(Effect.provideService(Ledger.Ledger, ledger))
        // It won the race (the first report that fits wins), so the CRM's own is refused (409) ...
        yield* crm.sandbox.awaitIdle
        const receiver = Context.get(crm.context, BatchResults.BatchResults)
        const late = yield* receiver.takeRefused!
        expect(late.count).toBe(first.sent.length)
        expect(late.reports[0]?.reason).toMatch(/already has its report/)
        expect(run1.report.merged).toBe(people.length - first.sent.length)
        // ... but the rows it gave one contact learned nothing, and the next run sends them without one.
        const known = yield* ledger.lookup(
          Ledger.target("e2e", crm.sandbox.listId),
          people.map((p) => p.id),
        )
        expect([...known.values()].map((entry) => entry.contactId)).toEqual(people.map(() => undefined))
        const second = yield* attacked(crm, poisoned)
        yield* Crm.sync(
          second.crm,
          people.map((person) => ({ ...person, company: "Moved Ltd" })),
        ).pipe(Effect.provideService(Ledger.Ledger, ledger))
        expect([...contactIdsSent(second.sent).values()]).toEqual(people.map(() => undefined))
      }),
  )
})
