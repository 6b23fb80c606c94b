/**
 * Two keys the CRM resolves to one contact (the sandbox matches a row whose email it does not know
 * by its mobile): the run reports a merge. The sandbox refuses them in one batch (409), so each is
 * sent in a batch of its own and each report confirms its key's contact: both keys learn it.
 */
import type { BatchRequest } from "@brainsync/core"
import { ContactSink, Ledger } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect } from "effect"
import * as Crm from "./fixtures/Crm.js"

const person = (id: string, fields: Partial<Crm.Person>): Crm.Person => ({
  id,
  newsletter: "yes",
  first_name: id,
  company: "Before",
  ...fields,
})

/** The CRM's sink, keeping every request it sends. */
const recorded = (crm: Crm.Crm) => {
  const inner = Context.get(crm.context, ContactSink.ContactSink)
  const sent: Array<BatchRequest.BatchRequest> = []
  const sink: ContactSink.Service = {
    ...inner,
    upsert: (request) =>
      Effect.zipRight(
        Effect.sync(() => sent.push(request)),
        inner.upsert(request),
      ),
  }
  return { crm: { ...crm, context: Context.add(crm.context, ContactSink.ContactSink, sink) }, sent }
}

describe("contacts the CRM merges", () => {
  it.scopedLive("are reported as merged, and each key keeps the contact its own report confirmed", () =>
    Effect.gen(function* () {
      const crm = yield* Crm.start({})
      const ledger = yield* Ledger.makeMemory
      const withLedger = Effect.provideService(Ledger.Ledger, ledger)

      // One mobile under two keys and two emails: the CRM creates the contact for the first and
      // matches the second (whose email it does not know) by the mobile.
      const first = person("first", { email: "first@example.com", phone: "+44 7911 123456" })
      const second = person("second", { email: "second@example.com", phone: "+44 7911 123456" })
      const run1 = yield* Crm.sync(crm, [first, second]).pipe(withLedger)
      expect(run1.report).toMatchObject({ inserted: 1, updated: 1, merged: 1, reportsRefused: 0 })
      const shared = run1.settled.get("first")?.[0]?.contactId
      expect(run1.settled.get("second")?.[0]?.contactId).toBe(shared)
      const merged = run1.events.flatMap((event) => (event._tag === "RowsMerged" ? event.rows : []))
      expect(merged).toEqual([{ position: "row 2", key: "second" }])

      // Each key learned the contact its own report confirmed, and goes with it next time.
      const known = yield* ledger.lookup(Ledger.target("e2e", crm.sandbox.listId), ["first", "second"])
      expect([...known.values()].map((entry) => entry.contactId)).toEqual([Number(shared), Number(shared)])
      const next = recorded(crm)
      yield* Crm.sync(
        next.crm,
        [first, second].map((p) => ({ ...p, company: "After" })),
      ).pipe(withLedger)
      const sent = next.sent.flatMap((request) => request.createUpdateContacts)
      expect(sent.map((contact) => contact.contactId)).toEqual([Number(shared), Number(shared)])
    }),
  )
})
