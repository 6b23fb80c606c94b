/** The store alone, on an in-memory database: a batch applied once, counts over both tables, reset of both. */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Fixtures } from "../src/index.js"
import * as Store from "../src/internal/store.js"
import * as Validate from "../src/internal/validate.js"
import { memoryDb } from "./support.js"

const withStore = <A, E>(f: (store: Store.Store) => Effect.Effect<A, E>) =>
  Effect.flatMap(Store.make(Validate.catalogue(Fixtures.defaults)), f).pipe(Effect.provide(memoryDb))

describe("store", () => {
  it.effect(
    "applies a queued batch once, marking it applied with its report; then it is not queued any more",
    () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.enqueue({
            batchId: "b1",
            request: {
              listId: Fixtures.DEFAULT_LIST_ID,
              webHookUrl: "http://localhost/h",
              createUpdateContacts: [{ email: "a@example.com" }, { contactId: 7 }],
            },
            acceptedAt: 0,
          })
          expect(
            yield* store.matchStored({
              listId: Fixtures.DEFAULT_LIST_ID,
              createUpdateContacts: [{ contactId: 7 }],
            }),
          ).toEqual([undefined])
          const applied = yield* store.apply("b1", 3000)
          expect(applied?.webHookUrl).toBe("http://localhost/h")
          expect(applied?.report).toMatchObject({
            batchId: "b1",
            inserted: { count: 1 },
            skipped: { count: 1, contactIds: ["7"] },
          })
          expect(yield* store.batch("b1")).toMatchObject({
            state: "applied",
            appliedAt: "1970-01-01T00:00:03.000Z",
            report: applied?.report,
          })
          const [contact] = yield* store.contacts({ limit: 10 })
          expect(contact).toMatchObject({ email: "a@example.com", createdAt: "1970-01-01T00:00:03.000Z" })
          expect(yield* store.apply("b1", 4000)).toBeUndefined()
          expect(yield* store.apply("unknown", 4000)).toBeUndefined()
          expect(yield* store.counts).toEqual({
            contacts: 1,
            queued: 0,
            applied: 1,
            delivered: 0,
            refused: 0,
            failed: 0,
            pending: 1,
          })
          expect(yield* store.pendingWebhooks).toEqual([
            { batchId: "b1", url: "http://localhost/h", report: applied?.report },
          ])

          yield* store.reset
          expect(yield* store.counts).toMatchObject({ contacts: 0, applied: 0, pending: 0 })
          expect(yield* store.batch("b1")).toBeUndefined()
        }),
      ),
  )
})
