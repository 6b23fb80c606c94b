/**
 * Two keys the CRM resolves to one contact (the sandbox matches a row without a known email by its
 * mobile): the run reports a merge, and no later run sends one key's values with that contact's id,
 * because the report gave it to more than one row of the batch.
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
  it.scopedLive("are reported as merged and never sent with the shared contactId", () =>
    Effect.gen(function* () {
      const crm = yield* Crm.start({})
      const ledger = yield* Ledger.makeMemory
      const withLedger = Effect.provideService(Ledger.Ledger, ledger)
      const target = Ledger.target("e2e", crm.sandbox.listId)

      const seed = person("seed", { email: "shared@example.com", phone: "+44 7911 123456" })
      const run1 = yield* Crm.sync(crm, [seed]).pipe(withLedger)
      const shared = run1.settled.get("seed")?.[0]?.contactId
      expect(run1.report).toMatchObject({ inserted: 1, merged: 0 })

      // "byEmail" is matched by its email, "byMobile" (an unknown email) by its mobile: one contact.
      const byMobile = person("byMobile", { email: "other@example.com", phone: "+44 7911 123456" })
      const byEmail = person("byEmail", { email: "shared@example.com" })
      const run2 = yield* Crm.sync(crm, [byMobile, byEmail]).pipe(withLedger)
      expect(run2.report).toMatchObject({ updated: 2, merged: 1, reportsRefused: 0 })
      expect(run2.settled.get("byMobile")?.[0]?.contactId).toBe(shared)
      expect(run2.settled.get("byEmail")?.[0]?.contactId).toBe(shared)
      const merged = run2.events.flatMap((event) => (event._tag === "RowsMerged" ? event.rows : []))
      expect(merged.length).toBe(1)

      const known = yield* ledger.lookup(target, ["seed", "byMobile", "byEmail"])
      expect(known.get("seed")?.contactId).toBe(Number(shared))
      expect(known.get("byMobile")?.contactId).toBeUndefined()
      expect(known.get("byEmail")?.contactId).toBeUndefined()

      // Changed, the merged keys go without a contactId (the CRM matches them as before); the key
      // whose own report named the contact goes with it.
      const next = recorded(crm)
      yield* Crm.sync(
        next.crm,
        [seed, byMobile, byEmail].map((p) => ({ ...p, company: "After" })),
      ).pipe(withLedger)
      const sent = next.sent.flatMap((request) => request.createUpdateContacts)
      const idOf = (email: string) => sent.find((contact) => contact.email === email)?.contactId
      expect(sent.length).toBe(3)
      expect(sent.filter((contact) => contact.contactId != null).map((contact) => contact.contactId)).toEqual(
        [Number(shared)],
      )
      expect(idOf("other@example.com")).toBeUndefined()
    }),
  )
})
