/**
 * Two contacts of one batch that reach the same CRM contact by different keys (one by contactId,
 * one by email). Applied together, the second would be merged over the stored contact and undo the
 * first; so, as for two contacts with the same key, the batch is a 409 naming both and nothing is
 * applied: sent apart (as the sink does with a 409's later contacts), each applies over the other.
 * When the two only meet at application (an earlier queued batch gave the contact the second key),
 * the second is merged over the first's result.
 */
import { Fixtures } from "@brainsync/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { accepted, start } from "./support.js"

const listId = Fixtures.DEFAULT_LIST_ID
const company = (value: string) => ({ propertyName: "Company", propertyValue: value })
const firstName = (value: string) => ({ propertyName: "First Name", propertyValue: value })

/** A started sandbox holding Ann; her contactId. */
const withAnn = (sandbox: Effect.Effect.Success<ReturnType<typeof start>>) =>
  Effect.gen(function* () {
    accepted(
      yield* sandbox.client.post({
        listId,
        createUpdateContacts: [{ email: "ann@example.com", propertyFields: [firstName("Ann")] }],
      }),
    )
    yield* sandbox.awaitIdle
    const [ann] = yield* sandbox.contacts()
    return Number(ann!.contactId)
  })

describe("two contacts of a batch that reach one CRM contact", () => {
  it.scopedLive("by contactId and by email: 409 naming both, nothing applied; apart, both changes stay", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      const annId = yield* withAnn(sandbox)
      const byId = { contactId: annId, propertyFields: [company("Acme")] }
      const byEmail = { email: "ANN@example.com", emailOptIn: true }
      const reply = yield* sandbox.client.post({
        listId,
        createUpdateContacts: [byId, { email: "bob@example.com" }, byEmail],
      })
      expect(reply.status).toBe(409)
      expect(reply.json).toEqual({
        _tag: "Conflict",
        message: "some contacts of the batch resolve to the same CRM contact; nothing was applied",
        errors: [
          {
            index: 2,
            conflictsWith: 0,
            field: "email",
            message: `reaches the same CRM contact (contactId ${annId}) as another contact of the batch`,
          },
        ],
      })
      yield* sandbox.awaitIdle
      expect((yield* sandbox.stats).batches.applied).toBe(1)

      accepted(
        yield* sandbox.client.post({ listId, createUpdateContacts: [byId, { email: "bob@example.com" }] }),
      )
      accepted(yield* sandbox.client.post({ listId, createUpdateContacts: [byEmail] }))
      yield* sandbox.awaitIdle
      const contacts = yield* sandbox.contacts()
      expect(contacts).toHaveLength(2)
      expect(contacts[0]).toMatchObject({
        contactId: String(annId),
        email: "ANN@example.com",
        emailOptIn: true,
        properties: expect.arrayContaining([
          expect.objectContaining({ propertyName: "First Name", propertyValue: "Ann" }),
          expect.objectContaining({ propertyName: "Company", propertyValue: "Acme" }),
        ]),
      })
    }),
  )

  it.scopedLive("by contactId and by mobile number: a 409 too", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      const annId = yield* withAnn(sandbox)
      accepted(
        yield* sandbox.client.post({
          listId,
          createUpdateContacts: [{ contactId: annId, mobileCountryCode: 44, mobileNumber: 7700900123 }],
        }),
      )
      yield* sandbox.awaitIdle
      const reply = yield* sandbox.client.post({
        listId,
        createUpdateContacts: [
          { mobileCountryCode: 44, mobileNumber: 7700900123, mobileOptIn: true },
          { contactId: annId, propertyFields: [company("Acme")] },
        ],
      })
      expect(reply.status).toBe(409)
      expect(reply.json).toMatchObject({ errors: [{ index: 1, conflictsWith: 0, field: "contactId" }] })
    }),
  )

  it.scopedLive("meeting only when applied: the second merges over the first's result, both reported", () =>
    Effect.gen(function* () {
      // Long enough that the second batch is accepted while the first is still queued.
      const sandbox = yield* start({ processingDelay: "2 seconds" })
      const annId = yield* withAnn(sandbox)
      // Queued first: Ann gets a second email address.
      accepted(
        yield* sandbox.client.post({
          listId,
          createUpdateContacts: [{ contactId: annId, email: "ann@work.example.com" }],
        }),
      )
      // Accepted now, when no contact has that address yet: the two contacts reach different ones.
      const second = accepted(
        yield* sandbox.client.post({
          listId,
          createUpdateContacts: [
            { contactId: annId, propertyFields: [company("Acme")] },
            { email: "ann@work.example.com", emailOptIn: true },
          ],
        }),
      )
      yield* sandbox.awaitIdle
      expect((yield* sandbox.batch(second.data.batchId))?.report).toMatchObject({
        updated: { count: 2, contactIds: [String(annId), String(annId)] },
        inserted: { count: 0 },
      })
      expect(yield* sandbox.contacts()).toMatchObject([
        {
          contactId: String(annId),
          email: "ann@work.example.com",
          emailOptIn: true,
          properties: [
            { propertyName: "First Name", propertyValue: "Ann" },
            { propertyName: "Company", propertyValue: "Acme" },
          ],
        },
      ])
    }),
  )
})
