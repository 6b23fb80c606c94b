/**
 * The sandbox's HTTP surface: `POST /contacts/batch` implemented from core's `MainBrainerApi`
 * (the body is read and decoded here, so that a bad body gets the contract's 400 with per-contact
 * problems), plus `GET /health` and the sandbox extensions under `/sandbox/`.
 */
import { ApiError, type BatchAccepted, MainBrainerApi } from "@brainsync/core"
import {
  HttpApiBuilder,
  type HttpApp,
  HttpRouter,
  HttpServerRequest,
  HttpServerResponse,
} from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Clock, Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import * as Body from "./body.js"
import type { Draw } from "./faults.js"
import type { RateLimiter } from "./rateLimiter.js"
import type { Counters } from "./stats.js"
import type { Store } from "./store.js"
import * as Validate from "./validate.js"

export interface Deps {
  readonly store: Store
  readonly catalogue: Validate.Catalogue
  readonly tokens: ReadonlySet<string>
  readonly limiter: RateLimiter
  readonly drawFault: () => Draw
  readonly counters: Counters
  /** Tells the worker that a batch was queued. */
  readonly wake: Effect.Effect<void>
  readonly stats: Effect.Effect<unknown>
  readonly reset: Effect.Effect<void>
}

const BATCH_PATH = "/contacts/batch"
const DEFAULT_PAGE = 100
const MAX_PAGE = 1000

const bearerToken = (authorization: string | undefined): string =>
  authorization !== undefined && /^bearer /i.test(authorization) ? authorization.slice(7).trim() : ""

const encodeRateLimited = Schema.encodeSync(ApiError.RateLimited)
const encodeUnauthorized = Schema.encodeSync(ApiError.Unauthorized)

/**
 * The sandbox's own endpoints show every contact's personal data and can delete everything: they
 * take the same bearer tokens as the API, and answer the API's 401 without one.
 */
const withToken =
  (tokens: ReadonlySet<string>) =>
  <E, R>(
    handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
  ): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      tokens.has(bearerToken(request.headers["authorization"]))
        ? handler
        : Effect.succeed(
            HttpServerResponse.unsafeJson(
              encodeUnauthorized(
                new ApiError.Unauthorized({
                  message: `${request.method} ${request.url.split("?")[0]} needs the sandbox's bearer token: send "Authorization: Bearer <token>"`,
                }),
              ),
              { status: 401, headers: { "www-authenticate": "Bearer" } },
            ),
          ),
    )

/** Destroys the connection so that the client gets no response at all. */
const destroyConnection = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.sync(() => {
    NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()
    return HttpServerResponse.empty({ status: 500 })
  })

const badRequest = (message: string, errors: ReadonlyArray<ApiError.Problem> = []) =>
  new ApiError.BadRequest({ message, errors })

const upsert = (deps: Deps, request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function* () {
    if (!Body.acceptsJson(request.headers["accept"])) {
      return yield* new ApiError.NotAcceptable({ message: "this endpoint only answers application/json" })
    }
    const wait = deps.limiter.take(
      bearerToken(request.headers["authorization"]),
      yield* Clock.currentTimeMillis,
    )
    if (wait !== undefined) {
      const error = new ApiError.RateLimited({ message: "too many requests", retryAfterSeconds: wait })
      return HttpServerResponse.unsafeJson(encodeRateLimited(error), {
        status: 429,
        headers: { "retry-after": String(wait) },
      })
    }
    const fault = deps.drawFault()
    if (fault.latencyMs > 0) yield* Effect.sleep(fault.latencyMs)
    if (fault.reset) {
      deps.counters.record("connectionReset", yield* Clock.currentTimeMillis)
      return yield* destroyConnection(request)
    }
    if (fault.fail) return yield* new ApiError.ServerError({ message: "injected fault (fail rate)" })

    const body = yield* Body.read(NodeHttpServerRequest.toIncomingMessage(request))
    if (body._tag === "Aborted") return yield* destroyConnection(request)
    if (body._tag === "TooLarge") {
      return yield* badRequest(`the body is larger than ${Body.MAX_BODY_BYTES} bytes`)
    }
    if (!Body.isJsonContentType(request.headers["content-type"])) {
      return yield* badRequest("the content type must be application/json")
    }
    const invalidAt = Body.firstInvalidUtf8(body.bytes)
    if (invalidAt !== undefined) {
      return yield* badRequest(
        `the body is not valid UTF-8, as JSON must be: the byte 0x${body.bytes[invalidAt]!.toString(16).padStart(2, "0")} at offset ${invalidAt} is not part of a valid UTF-8 character`,
      )
    }
    let json: unknown
    try {
      json = JSON.parse(body.bytes.toString("utf8"))
    } catch (error) {
      return yield* badRequest(
        `the body is not JSON: ${error instanceof Error ? error.message.slice(0, 200) : "parse error"}`,
      )
    }
    const decoded = Validate.decode(json)
    if (Either.isLeft(decoded))
      return yield* badRequest("the body is not a valid batch request", decoded.left)
    const batch = decoded.right

    const invalid = Validate.semanticProblems(deps.catalogue, batch)
    if (invalid.length > 0) {
      return yield* new ApiError.Unprocessable({
        message: "some contacts are invalid; nothing was applied",
        errors: invalid,
      })
    }
    const matches = yield* deps.store.matchStored(batch)
    const conflicts = Validate.conflicts(batch)
    const conflicting = new Set(conflicts.map((problem) => problem.index))
    conflicts.push(
      ...Validate.sameStoredContact(matches).filter((problem) => !conflicting.has(problem.index)),
    )
    if (conflicts.length > 0) {
      conflicts.sort((a, b) => a.index - b.index)
      return yield* new ApiError.Conflict({
        message: "some contacts of the batch resolve to the same CRM contact; nothing was applied",
        errors: conflicts,
      })
    }
    const missing = batch.createUpdateContacts.flatMap((contact, i) =>
      contact.contactId != null && matches[i] === undefined ? [contact.contactId] : [],
    )
    const batchId = crypto.randomUUID()
    yield* deps.store.enqueue({ batchId, request: batch, acceptedAt: yield* Clock.currentTimeMillis })
    yield* deps.wake
    if (fault.dropResponse) {
      deps.counters.record("responseDropped", yield* Clock.currentTimeMillis)
      return yield* destroyConnection(request)
    }
    const accepted: BatchAccepted.BatchAccepted = {
      status: "Success",
      message: "Batch queued",
      data: {
        batchId,
        processed: String(batch.createUpdateContacts.length),
        contactId: null,
        status: 0,
        message: "The batch is queued and will be applied asynchronously",
        invalidPropertiesList: Validate.invalidProperties(deps.catalogue, batch),
        invalidContactIdList: missing.map(String),
        balance: {},
      },
    }
    return accepted
  }).pipe(
    Effect.catchTag("SqlError", (error) =>
      Effect.logError("sandbox: storage failed", error).pipe(
        Effect.zipRight(Effect.fail(new ApiError.ServerError({ message: "the sandbox's storage failed" }))),
      ),
    ),
  )

const contactsGroup = (deps: Deps) =>
  HttpApiBuilder.group(MainBrainerApi.MainBrainerApi, "contacts", (handlers) =>
    handlers.handleRaw("upsertBatch", ({ request }) => upsert(deps, request)),
  )

const authorization = (tokens: ReadonlySet<string>) =>
  Layer.succeed(
    MainBrainerApi.Authorization,
    MainBrainerApi.Authorization.of({
      bearer: (token) =>
        tokens.has(Redacted.value(token))
          ? Effect.void
          : Effect.fail(new ApiError.Unauthorized({ message: "a valid bearer token is required" })),
    }),
  )

const PageParams = Schema.Struct({
  listId: Schema.optional(Schema.String),
  cursor: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.nonNegative())),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, MAX_PAGE))),
})

const notFound = (message: string) => HttpServerResponse.unsafeJson({ message }, { status: 404 })

/** Sandbox extensions (not part of the MainBrainer contract): inspection and reset, behind the bearer token; `/health` is open. */
const extensions = (deps: Deps) => {
  const guarded = withToken(deps.tokens)
  return HttpApiBuilder.Router.use((router) =>
    Effect.all([
      router.get("/health", Effect.succeed(HttpServerResponse.unsafeJson({ status: "ok" }))),
      router.get(
        "/sandbox/contacts",
        guarded(
          Effect.gen(function* () {
            const params = yield* HttpServerRequest.schemaSearchParams(PageParams).pipe(Effect.option)
            if (Option.isNone(params)) {
              return HttpServerResponse.unsafeJson(
                { message: "cursor must be a contactId and limit between 1 and 1000" },
                { status: 400 },
              )
            }
            const limit = params.value.limit ?? DEFAULT_PAGE
            const contacts = yield* deps.store.contacts({
              listId: params.value.listId === "" ? undefined : params.value.listId,
              limit,
              ...(params.value.cursor !== undefined ? { cursor: params.value.cursor } : {}),
            })
            const last = contacts[contacts.length - 1]
            return HttpServerResponse.unsafeJson({
              contacts,
              nextCursor: contacts.length === limit && last !== undefined ? last.contactId : null,
            })
          }),
        ),
      ),
      router.get(
        "/sandbox/batches/:batchId",
        guarded(
          Effect.gen(function* () {
            const { batchId } = yield* HttpRouter.schemaPathParams(Schema.Struct({ batchId: Schema.String }))
            const batch = yield* deps.store.batch(batchId)
            return batch === undefined
              ? notFound(`no batch ${batchId}`)
              : HttpServerResponse.unsafeJson(batch)
          }),
        ),
      ),
      router.get(
        "/sandbox/stats",
        guarded(Effect.map(deps.stats, (stats) => HttpServerResponse.unsafeJson(stats))),
      ),
      router.post(
        "/sandbox/reset",
        guarded(Effect.as(deps.reset, HttpServerResponse.empty({ status: 204 }))),
      ),
    ]),
  )
}

/** Counts every `POST /contacts/batch` response by status (connections destroyed on purpose are counted where they happen). */
const countRequests =
  (counters: Counters) =>
  (app: HttpApp.Default): HttpApp.Default =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (!request.url.startsWith(BATCH_PATH)) return yield* app
      const record = (status: string) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.sync(() => {
            if (!NodeHttpServerRequest.toIncomingMessage(request).socket.destroyed)
              counters.record(status, now)
          }),
        )
      return yield* app.pipe(
        Effect.tap((response) => record(String(response.status))),
        Effect.tapErrorCause(() => record("500")),
      )
    })

/** The whole server, given an `HttpServer` (fresh, so that several sandboxes can run in one process). */
export const layer = (deps: Deps) =>
  Layer.fresh(
    HttpApiBuilder.serve(countRequests(deps.counters)).pipe(
      Layer.provide(HttpApiBuilder.api(MainBrainerApi.MainBrainerApi)),
      Layer.provide(contactsGroup(deps)),
      Layer.provide(authorization(deps.tokens)),
      Layer.provide(extensions(deps)),
    ),
  )
