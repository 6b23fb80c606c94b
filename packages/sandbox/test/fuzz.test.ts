import { Fixtures } from "@brainsync/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { accepted, start } from "./support.js"

const listId = Fixtures.DEFAULT_LIST_ID

const nested = (depth: number) => `{"createUpdateContacts":${"[".repeat(depth)}${"]".repeat(depth)}}`
const nestedObject = (depth: number) =>
  `{"listId":"${listId}","createUpdateContacts":[{"email":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}]}`

describe("bad input of any shape", () => {
  it.scopedLive(
    "a few hundred bad bodies get a 4xx with a clear body; the store and the server stay intact",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* start()
        const good = accepted(
          yield* sandbox.client.post({
            listId,
            createUpdateContacts: [
              {
                email: "keep@example.com",
                propertyFields: [{ propertyName: "Notes", propertyValue: "intact" }],
              },
            ],
          }),
        )
        yield* sandbox.awaitIdle
        const before = yield* sandbox.contacts()

        const randomBytes = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 2000 }), {
          numRuns: 150,
          seed: 1,
        })
        const randomJson = fc
          .sample(fc.jsonValue({ maxDepth: 6 }), { numRuns: 150, seed: 2 })
          .map((v) => JSON.stringify(v))
        const wrongContacts = fc
          .sample(
            fc.array(
              fc.dictionary(
                fc.constantFrom("email", "contactId", "mobileNumber", "listId", "propertyFields"),
                fc.jsonValue({ maxDepth: 3 }),
              ),
              { minLength: 1, maxLength: 5 },
            ),
            { numRuns: 100, seed: 3 },
          )
          .map((contacts) =>
            JSON.stringify({ listId, createUpdateContacts: contacts.map((c) => ({ ...c, contactId: "x" })) }),
          )
        const special: Array<string | Uint8Array> = [
          nested(100_000),
          nestedObject(50_000),
          JSON.stringify({ listId, createUpdateContacts: [{ email: "y".repeat(4_000_000) }] }),
          JSON.stringify({
            listId: "z".repeat(1_000_000),
            createUpdateContacts: [{ email: "a@example.com" }],
          }),
          "",
          "null",
          "[]",
          '"string"',
          "\u0000\u0001\u0002",
          '{"createUpdateContacts": [{"email": "\uD800"}]}',
        ]
        const bodies = [...special, ...randomBytes, ...randomJson, ...wrongContacts]
        const statuses = yield* Effect.forEach(
          bodies,
          (body) =>
            sandbox.client.post(body).pipe(
              Effect.map((reply) => {
                const json = reply.json as { _tag?: unknown; message?: unknown } | undefined
                return {
                  status: reply.status,
                  tag: json?._tag,
                  clear: typeof json?.message === "string" && json.message !== "",
                }
              }),
            ),
          { concurrency: 4 },
        )
        // None of these bodies is a valid batch: they decode to nothing (400) or, for a few special ones, to invalid contacts (422).
        const unexpected = statuses.filter(
          (s) =>
            !(
              ((s.status === 400 && s.tag === "BadRequest") ||
                (s.status === 422 && s.tag === "Unprocessable")) &&
              s.clear
            ),
        )
        expect(unexpected).toEqual([])
        expect(statuses.length).toBeGreaterThanOrEqual(400)

        yield* sandbox.awaitIdle
        expect(yield* sandbox.contacts()).toEqual(before)
        expect((yield* sandbox.client.get("/health")).status).toBe(200)
        const after = accepted(
          yield* sandbox.client.post({ listId, createUpdateContacts: [{ email: "still@example.com" }] }),
        )
        expect(after.data.batchId).not.toBe(good.data.batchId)
        yield* sandbox.awaitIdle
        expect((yield* sandbox.stats).contacts).toBe(2)
      }),
  )
})
