import { Fixtures } from "@brainsync/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { accepted, start } from "./support.js"

const listId = Fixtures.DEFAULT_LIST_ID

const withoutToken = { authorization: "" }
const wrongToken = { authorization: "Bearer not-the-token" }

describe("the /sandbox/ endpoints take the bearer token", () => {
  it.scopedLive("without a token or with an unknown one: 401, no contact shown, nothing reset", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      const body = accepted(
        yield* sandbox.client.post({ listId, createUpdateContacts: [{ email: "private@example.com" }] }),
      )
      yield* sandbox.awaitIdle
      for (const headers of [withoutToken, wrongToken]) {
        for (const reply of [
          yield* sandbox.client.get("/sandbox/contacts", headers),
          yield* sandbox.client.get(`/sandbox/batches/${body.data.batchId}`, headers),
          yield* sandbox.client.get("/sandbox/stats", headers),
          yield* sandbox.client.postPath("/sandbox/reset", headers),
        ]) {
          expect(reply.status).toBe(401)
          expect(reply.headers.get("www-authenticate")).toBe("Bearer")
          expect(reply.json).toMatchObject({ _tag: "Unauthorized" })
          expect(reply.text).not.toContain("private@example.com")
        }
      }
      expect(
        ((yield* sandbox.client.get("/sandbox/stats", wrongToken)).json as { message: string }).message,
      ).toBe('GET /sandbox/stats needs the sandbox\'s bearer token: send "Authorization: Bearer <token>"')
      // The refused reset deleted nothing.
      expect(yield* sandbox.contacts()).toMatchObject([{ email: "private@example.com" }])
    }),
  )

  it.scopedLive("with any of the sandbox's tokens they answer; /health stays open", () =>
    Effect.gen(function* () {
      const sandbox = yield* start({ tokens: ["first", "second"] })
      yield* sandbox.client.post({ listId, createUpdateContacts: [{ email: "a@example.com" }] })
      yield* sandbox.awaitIdle
      const second = { authorization: "Bearer second" }
      expect((yield* sandbox.client.get("/sandbox/contacts", second)).json).toMatchObject({
        contacts: [{ email: "a@example.com" }],
      })
      expect((yield* sandbox.client.get("/sandbox/stats", second)).status).toBe(200)
      expect((yield* sandbox.client.get("/health", withoutToken)).json).toEqual({ status: "ok" })
      expect((yield* sandbox.client.postPath("/sandbox/reset", second)).status).toBe(204)
      expect(yield* sandbox.contacts()).toEqual([])
    }),
  )
})
