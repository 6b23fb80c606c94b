/**
 * The client's reading of answers, tested against the HttpApi: each status the definition
 * documents, with the body its server would send, reads as the error the definition names.
 */
import { ApiError, MainBrainerApi } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { interpret } from "../src/internal/responses.js"

const problems = [{ index: 1, field: "email", message: "not an email" }]
const samples: { readonly [Tag in ApiError.ApiError["_tag"]]: ApiError.ApiError } = {
  BadRequest: new ApiError.BadRequest({ message: "bad", errors: problems }),
  Unauthorized: new ApiError.Unauthorized({ message: "who are you" }),
  NotAcceptable: new ApiError.NotAcceptable({ message: "json only" }),
  Conflict: new ApiError.Conflict({
    message: "same contact twice",
    errors: [{ index: 1, conflictsWith: 0, field: "email", message: "same email as contact 0" }],
  }),
  Unprocessable: new ApiError.Unprocessable({ message: "invalid", errors: problems }),
  RateLimited: new ApiError.RateLimited({ message: "slow down", retryAfterSeconds: 3 }),
  ServerError: new ApiError.ServerError({ message: "boom" }),
}
const encode = Schema.encodeSync(ApiError.ApiError)

describe("the client's status table", () => {
  it("reads every documented status as the error the HttpApi declares for it, body and all", () => {
    expect(MainBrainerApi.upsertBatchErrors.size).toBe(Object.keys(samples).length)
    for (const [status, tag] of MainBrainerApi.upsertBatchErrors) {
      const body = JSON.stringify(encode(samples[tag]))
      const answer = interpret({ status, body, retryAfterSeconds: undefined })
      expect(Either.isLeft(answer) && answer.left).toEqual(samples[tag])
    }
  })

  it("reads a status the HttpApi does not declare as an unexpected response", () => {
    for (const status of [403, 404, 418, 502, 503, 504]) {
      expect(MainBrainerApi.upsertBatchErrors.has(status)).toBe(false)
      const answer = interpret({ status, body: '{"message":"nope"}', retryAfterSeconds: undefined })
      expect(Either.isLeft(answer) && answer.left).toMatchObject({
        _tag: "TransportError",
        reason: "UnexpectedResponse",
        status,
        maybeApplied: status === 502 || status === 504,
      })
    }
  })
})
