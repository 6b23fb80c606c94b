/**
 * The typed errors of `POST /contacts/batch`, one class per documented status. Each is a
 * `Schema.TaggedError` annotated with its HTTP status, so the same class is the client's typed
 * error channel (`Effect.catchTag("Unprocessable", ...)`) and the sandbox's response body.
 *
 * @since 0.1.0
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/**
 * One thing wrong with a request; `index` points into `createUpdateContacts` where it concerns one
 * contact.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Problem = Schema.Struct({
  index: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  field: Schema.optional(Schema.String),
  message: Schema.String,
}).annotations({ identifier: "Problem" })
/**
 * A `Problem` as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type Problem = typeof Problem.Type

/**
 * Two contacts of one batch that resolve to the same CRM contact.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ConflictProblem = Schema.Struct({
  index: Schema.Int.pipe(Schema.nonNegative()),
  conflictsWith: Schema.Int.pipe(Schema.nonNegative()),
  field: Schema.String,
  message: Schema.String,
}).annotations({ identifier: "ConflictProblem" })
/**
 * A `ConflictProblem` as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type ConflictProblem = typeof ConflictProblem.Type

const problems = { message: Schema.String, errors: Schema.Array(Problem) }

/**
 * 400: the body is not JSON, not the right content type, too large, or does not decode.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends Schema.TaggedError<BadRequest>()(
  "BadRequest",
  problems,
  HttpApiSchema.annotations({ status: 400 }),
) {}

/**
 * 401: no bearer token, or one the CRM does not know.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401 }),
) {}

/**
 * 406: the request's `Accept` header does not allow `application/json`.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotAcceptable extends Schema.TaggedError<NotAcceptable>()(
  "NotAcceptable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 406 }),
) {}

/**
 * 409: two contacts of the batch resolve to the same CRM contact; nothing was applied.
 *
 * @since 0.1.0
 * @category errors
 */
export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  { message: Schema.String, errors: Schema.Array(ConflictProblem) },
  HttpApiSchema.annotations({ status: 409 }),
) {}

/**
 * 422: some contacts are semantically invalid; nothing of the batch was applied.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unprocessable extends Schema.TaggedError<Unprocessable>()(
  "Unprocessable",
  problems,
  HttpApiSchema.annotations({ status: 422 }),
) {}

/**
 * 429: too many requests; wait `retryAfterSeconds` (also sent as the `Retry-After` header).
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()(
  "RateLimited",
  { message: Schema.String, retryAfterSeconds: Schema.optional(Schema.NonNegative) },
  HttpApiSchema.annotations({ status: 429 }),
) {}

/**
 * 500: the CRM failed; nothing of the batch was applied.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Schema.TaggedError<ServerError>()(
  "ServerError",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 500 }),
) {}

/**
 * Every error the endpoint documents, as one schema.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ApiError = Schema.Union(
  BadRequest,
  Unauthorized,
  NotAcceptable,
  Conflict,
  Unprocessable,
  RateLimited,
  ServerError,
)
/**
 * Any of the errors the endpoint documents.
 *
 * @since 0.1.0
 * @category errors
 */
export type ApiError = typeof ApiError.Type
