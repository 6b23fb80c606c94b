/** `MainBrainerApi.upsertBatchErrors`: the status table a client reads answers by, derived from the HttpApi. */
import { HttpApiSchema } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { ApiError, MainBrainerApi } from "../src/index.js"

describe("upsertBatchErrors", () => {
  it("holds every documented error status of the endpoint and its middleware, and nothing else", () => {
    expect(Object.fromEntries(MainBrainerApi.upsertBatchErrors)).toEqual({
      400: "BadRequest",
      401: "Unauthorized",
      406: "NotAcceptable",
      409: "Conflict",
      422: "Unprocessable",
      429: "RateLimited",
      500: "ServerError",
    })
  })

  it("agrees with each error's own status annotation", () => {
    for (const error of ApiError.ApiError.members)
      expect(MainBrainerApi.upsertBatchErrors.get(HttpApiSchema.getStatusError(error))).toBe(error._tag)
  })
})
