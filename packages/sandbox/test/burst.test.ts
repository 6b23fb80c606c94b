/**
 * Consistency under a burst: many concurrent connections, each one batch, against one sandbox.
 * Whatever the mix of answers (202, 429, 400, 409, 422), every batch answered 202 is applied exactly
 * once and nothing of a refused one is stored.
 */
import * as Http from "node:http"
import { Fixtures } from "@brainsync/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { start } from "./support.js"

const listId = Fixtures.DEFAULT_LIST_ID
const CONNECTIONS = 200
const CONTACTS = 5

interface Sent {
  readonly emails: ReadonlyArray<string>
  readonly status: number | string
  readonly batchId: string | undefined
}

/** One batch on a connection of its own (no pooling): its status and batchId, or the error that ended it. */
const postAlone = (
  url: string,
  token: string,
  batch: { readonly createUpdateContacts: ReadonlyArray<{ readonly email: string }> },
) =>
  new Promise<Sent>((resolve) => {
    const body = JSON.stringify(batch)
    const emails = batch.createUpdateContacts.map((contact) => contact.email)
    const request = Http.request(
      `${url}/contacts/batch`,
      {
        method: "POST",
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (response) => {
        let text = ""
        response.setEncoding("utf8")
        response.on("data", (piece: string) => (text += piece))
        response.on("end", () => {
          const status = response.statusCode ?? 0
          const batchId =
            status === 202 ? (JSON.parse(text) as { data: { batchId: string } }).data.batchId : undefined
          resolve({ emails, status, batchId })
        })
      },
    )
    request.on("error", (error) => resolve({ emails, status: String(error), batchId: undefined }))
    request.end(body)
  })

/** Sends `batches` at once, one connection each, and checks the sandbox against the answers. */
const burst = (
  sandbox: Effect.Effect.Success<ReturnType<typeof start>>,
  batches: ReadonlyArray<{
    readonly listId: string
    readonly createUpdateContacts: ReadonlyArray<{ readonly email: string }>
  }>,
) =>
  Effect.gen(function* () {
    const token = Redacted.value(sandbox.token)
    const sent = yield* Effect.promise(() =>
      Promise.all(batches.map((batch) => postAlone(sandbox.url, token, batch))),
    )
    yield* sandbox.awaitIdle
    const accepted = sent.filter((s) => s.status === 202)
    const stored = yield* sandbox.contacts()
    expect(stored).toHaveLength(accepted.length * CONTACTS)
    expect(new Set(stored.map((contact) => contact.email))).toEqual(
      new Set(accepted.flatMap((s) => s.emails)),
    )
    for (const { batchId } of accepted) {
      expect((yield* sandbox.batch(batchId!))?.report?.inserted.count).toBe(CONTACTS)
    }
    const stats = yield* sandbox.stats
    expect(stats.batches).toEqual({ queued: 0, applied: accepted.length })
    return sent.map((s) => s.status)
  })

const good = (b: number) => ({
  listId,
  createUpdateContacts: Array.from({ length: CONTACTS }, (_, c) => ({ email: `b${b}-c${c}@example.com` })),
})

describe("a burst of concurrent connections", () => {
  it.scopedLive(
    `${CONNECTIONS} connections of ${CONTACTS} contacts against the rate limit: stored = accepted × ${CONTACTS}`,
    () =>
      Effect.gen(function* () {
        const sandbox = yield* start({ rateLimit: 20, processingDelay: 200 })
        const statuses = yield* burst(
          sandbox,
          Array.from({ length: CONNECTIONS }, (_, b) => good(b)),
        )
        expect(new Set(statuses)).toEqual(new Set([202, 429]))
      }),
  )

  it.scopedLive(
    `${CONNECTIONS} connections mixing good batches with 400, 409 and 422 ones, no rate limit`,
    () =>
      Effect.gen(function* () {
        const sandbox = yield* start({ rateLimit: 0, processingDelay: 0 })
        const batches = Array.from({ length: CONNECTIONS }, (_, b) => {
          const batch = good(b)
          const [first, ...rest] = batch.createUpdateContacts
          switch (b % 4) {
            case 1: // 422: one address is not an email
              return { ...batch, createUpdateContacts: [{ email: `b${b}-not-an-email` }, ...rest] }
            case 2: // 409: the same address twice
              return {
                ...batch,
                createUpdateContacts: [first!, ...rest.slice(1), { email: first!.email.toUpperCase() }],
              }
            case 3: // 400: a contact that does not decode
              return { ...batch, createUpdateContacts: [...rest, { email: first!.email, mobileNumber: "x" }] }
            default:
              return batch
          }
        })
        const statuses = yield* burst(sandbox, batches)
        expect(statuses.filter((s) => s === 202)).toHaveLength(CONNECTIONS / 4)
        expect(new Set(statuses)).toEqual(new Set([202, 422, 409, 400]))
      }),
  )
})
