/**
 * The HttpApi definition over real HTTP: a server built from it answers each documented status,
 * and the client derived from the same definition turns each answer into its typed error.
 */
import { HttpApiBuilder, HttpApiClient, HttpClient, HttpClientRequest, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { ApiError, MainBrainerApi } from "../src/index.js"
import { seedRequestWithContactId } from "./fixtures/seed.js"

const TOKEN = "contract-test-token"

/** Fails with the error named by the first contact's email, so each status can be asked for. */
const ContactsLive = HttpApiBuilder.group(MainBrainerApi.MainBrainerApi, "contacts", (handlers) =>
  handlers.handle("upsertBatch", ({ payload }) => {
    const problems = [{ index: 0, field: "email", message: "wanted" }]
    switch (payload.createUpdateContacts[0]?.email) {
      case "400":
        return Effect.fail(new ApiError.BadRequest({ message: "bad", errors: problems }))
      case "406":
        return Effect.fail(new ApiError.NotAcceptable({ message: "json only" }))
      case "409":
        return Effect.fail(
          new ApiError.Conflict({
            message: "conflict",
            errors: [{ index: 1, conflictsWith: 0, field: "email", message: "same email as contact 0" }],
          }),
        )
      case "422":
        return Effect.fail(new ApiError.Unprocessable({ message: "invalid", errors: problems }))
      case "429":
        return Effect.fail(new ApiError.RateLimited({ message: "slow down", retryAfterSeconds: 3 }))
      case "500":
        return Effect.fail(new ApiError.ServerError({ message: "boom" }))
      default:
        return Effect.succeed({
          status: "Success",
          message: "queued",
          data: {
            batchId: "b-1",
            processed: String(payload.createUpdateContacts.length),
            status: 0,
            message: "queued",
            invalidPropertiesList: [],
            invalidContactIdList: [],
            balance: {},
          },
        })
    }
  }),
)

const AuthorizationLive = Layer.succeed(MainBrainerApi.Authorization, {
  bearer: (token) =>
    Redacted.value(token) === TOKEN
      ? Effect.void
      : Effect.fail(new ApiError.Unauthorized({ message: "unknown bearer token" })),
})

const ServerLive = HttpApiBuilder.serve().pipe(
  Layer.provide(HttpApiBuilder.api(MainBrainerApi.MainBrainerApi)),
  Layer.provide(ContactsLive),
  Layer.provide(AuthorizationLive),
  HttpServer.withLogAddress,
  Layer.provideMerge(NodeHttpServer.layerTest),
)

const client = (token: string) =>
  HttpApiClient.make(MainBrainerApi.MainBrainerApi, {
    transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(token)),
  })

const withEmail = (email: string) => ({
  ...seedRequestWithContactId,
  createUpdateContacts: [{ ...seedRequestWithContactId.createUpdateContacts[0]!, email }],
})

layer(ServerLive)("MainBrainerApi over HTTP", (it) => {
  it.effect("answers 202 with the seed's body shape", () =>
    Effect.gen(function* () {
      const api = yield* client(TOKEN)
      const accepted = yield* api.contacts.upsertBatch({ payload: withEmail("ok@example.com") })
      expect(accepted.data.processed).toBe("1")
      const raw = yield* HttpClient.execute(
        HttpClientRequest.post("/contacts/batch").pipe(
          HttpClientRequest.bearerToken(TOKEN),
          HttpClientRequest.bodyUnsafeJson(withEmail("ok@example.com")),
        ),
      )
      expect(raw.status).toBe(202)
    }),
  )

  const statuses = [
    ["400", 400, "BadRequest"],
    ["406", 406, "NotAcceptable"],
    ["409", 409, "Conflict"],
    ["422", 422, "Unprocessable"],
    ["429", 429, "RateLimited"],
    ["500", 500, "ServerError"],
  ] as const

  for (const [email, status, tag] of statuses) {
    it.effect(`answers ${status} and the client fails with ${tag}`, () =>
      Effect.gen(function* () {
        const raw = yield* HttpClient.execute(
          HttpClientRequest.post("/contacts/batch").pipe(
            HttpClientRequest.bearerToken(TOKEN),
            HttpClientRequest.bodyUnsafeJson(withEmail(email)),
          ),
        )
        expect(raw.status).toBe(status)
        const api = yield* client(TOKEN)
        const error = yield* Effect.flip(api.contacts.upsertBatch({ payload: withEmail(email) }))
        expect(error._tag).toBe(tag)
        if (error._tag === "Conflict") expect(error.errors[0]).toMatchObject({ index: 1, conflictsWith: 0 })
        if (error._tag === "Unprocessable")
          expect(error.errors[0]).toMatchObject({ index: 0, field: "email" })
        if (error._tag === "RateLimited") expect(error.retryAfterSeconds).toBe(3)
      }),
    )
  }

  it.effect("answers 401 to a wrong bearer token and the client fails with Unauthorized", () =>
    Effect.gen(function* () {
      const api = yield* client("wrong")
      const error = yield* Effect.flip(api.contacts.upsertBatch({ payload: withEmail("ok@example.com") }))
      expect(error._tag).toBe("Unauthorized")
    }),
  )
})
