/**
 * The probe of the CRM behind `MainBrainer.probe`: two requests to `POST /contacts/batch` that the
 * contract does not let it apply, read for what they reveal about the token and the list.
 *
 * 1. A batch without contacts checks the token. The CRM authenticates before it reads the body
 *    (401 for a token it does not know); an authenticated empty batch is refused for its
 *    emptiness (400) — and were it accepted, there would be nothing in it to create or change.
 * 2. A batch, in the list, whose one contact has no identity (no contactId, email or mobile
 *    number) checks the list. The CRM upserts by identity, so such a contact can match nothing and
 *    cannot be created; it refuses the batch as a whole (422, nothing applied) and names each
 *    problem: an unknown list among them. A 202 here would be a CRM that does not keep the
 *    contract: the probe says so rather than calling the list good.
 *
 * Neither request can change a contact, so both are safe to repeat: an answer that does not come
 * (connection refused, timeout, 5xx, 429) is retried a few times before the CRM counts as
 * unreachable.
 */
import { type ApiError, Backoff, type BatchAccepted, type ContactSink } from "@brainsync/core"
import { Data, Effect } from "effect"

/**
 * The CRM does not accept the token (401): nothing can be synced with it.
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenRefused extends Data.TaggedError("TokenRefused")<{
  readonly message: string
}> {}

/**
 * The token is good but the CRM has no list with this id.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownList extends Data.TaggedError("UnknownList")<{
  readonly listId: string
  readonly message: string
}> {}

/**
 * No usable answer from the CRM after a few attempts: it could not be connected to, did not answer
 * in time, or kept answering 429 or 5xx.
 *
 * @since 0.1.0
 * @category errors
 */
export class CrmUnreachable extends Data.TaggedError("CrmUnreachable")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * The CRM answered in a way the contract does not lead one to expect, so the probe cannot tell
 * whether the token and the list are good (a 406 from a proxy, a 202 to a contact with no identity).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedAnswer extends Data.TaggedError("UnexpectedAnswer")<{
  readonly status: number | undefined
  readonly message: string
}> {}

/** Every way the probe finds the CRM not ready for a sync (`MainBrainer.ProbeError`). */
export type ProbeError = TokenRefused | UnknownList | CrmUnreachable | UnexpectedAnswer

/** One request with its answer read: the 202 body, or what the sink would fail with. */
export type Exchange = (body: unknown) => Effect.Effect<BatchAccepted.BatchAccepted, ContactSink.SinkError>

const policy = Backoff.make({ maxAttempts: 3, baseDelay: "500 millis", maxDelay: "5 seconds" })
const MAX_RETRY_AFTER_SECONDS = 30

const isTransient = (error: ContactSink.SinkError): boolean =>
  error._tag === "RateLimited" ||
  error._tag === "ServerError" ||
  // An undocumented 5xx (502, 503, 504) is a gateway's: the CRM behind it may answer next time.
  (error._tag === "TransportError" && (error.reason !== "UnexpectedResponse" || (error.status ?? 0) >= 500))

const statusOf: Record<ApiError.ApiError["_tag"], number> = {
  BadRequest: 400,
  Unauthorized: 401,
  NotAcceptable: 406,
  Conflict: 409,
  Unprocessable: 422,
  RateLimited: 429,
  ServerError: 500,
}

/** The exchange, retried while its failure is one that another attempt may not meet. */
const attempt = (exchange: Exchange, body: unknown) =>
  Backoff.retry(exchange(body), {
    policy,
    while: isTransient,
    atLeast: (error) =>
      error._tag === "RateLimited"
        ? Math.min(error.retryAfterSeconds ?? 0, MAX_RETRY_AFTER_SECONDS) * 1000
        : 0,
  }).pipe(
    Effect.mapError(({ error, attempts }) =>
      isTransient(error)
        ? new CrmUnreachable({
            message: `no usable answer from the CRM after ${attempts} attempts: ${error.message}`,
            cause: error,
          })
        : error,
    ),
  )

/** A refused token, or an answer that none of the probe's steps expects. */
const unexpected = (error: ContactSink.SinkError, step: string): TokenRefused | UnexpectedAnswer =>
  error._tag === "Unauthorized"
    ? new TokenRefused({ message: `the CRM refused the token (401: ${error.message})` })
    : new UnexpectedAnswer({
        status: error._tag === "TransportError" ? error.status : statusOf[error._tag],
        message: `the CRM answered the ${step} unexpectedly (${error.message}); check the base URL`,
      })

/** The batch that checks the token: empty, so it can change nothing. */
const tokenCheck = (listId: string | undefined) => ({
  ...(listId === undefined ? {} : { listId }),
  createUpdateContacts: [],
})

/**
 * The sink's `verify`: one token check, failing only with the CRM's refusal of the token (401)
 * or of the request (406); any other answer, or none, passes (a run with nothing to send does not
 * fail because the CRM is busy).
 */
export const verifyToken = (
  exchange: Exchange,
): Effect.Effect<void, ApiError.Unauthorized | ApiError.NotAcceptable> =>
  exchange(tokenCheck(undefined)).pipe(
    Effect.asVoid,
    Effect.catchAll((error) =>
      error._tag === "Unauthorized" || error._tag === "NotAcceptable" ? Effect.fail(error) : Effect.void,
    ),
  )

const checkToken = (exchange: Exchange, listId: string | undefined) =>
  attempt(exchange, tokenCheck(listId)).pipe(
    Effect.asVoid,
    Effect.catchAll((error): Effect.Effect<void, ProbeError> => {
      if (error._tag === "CrmUnreachable") return Effect.fail(error)
      // The contract's refusals of a body come after authentication: the token is good.
      if (error._tag === "BadRequest" || error._tag === "Unprocessable" || error._tag === "Conflict")
        return Effect.void
      return Effect.fail(unexpected(error, "token check"))
    }),
  )

const checkList = (exchange: Exchange, listId: string) =>
  attempt(exchange, { listId, createUpdateContacts: [{}] }).pipe(
    Effect.matchEffect({
      onSuccess: () =>
        Effect.fail(
          new UnexpectedAnswer({
            status: 202,
            message: `the CRM accepted a contact with no identity into list ${listId} (202), which the contract does not allow; check the base URL`,
          }),
        ),
      onFailure: (error): Effect.Effect<void, ProbeError> => {
        if (error._tag === "CrmUnreachable") return Effect.fail(error)
        if (error._tag === "BadRequest" || error._tag === "Unprocessable") {
          const aboutList = error.errors.find((problem) => problem.field === "listId")
          // A 422 weighs every field, the list included; a 400 only says the body did not decode.
          if (aboutList === undefined)
            return error._tag === "Unprocessable" ? Effect.void : Effect.fail(unexpected(error, "list check"))
          return Effect.fail(
            new UnknownList({
              listId,
              message: `the CRM does not know the list ${listId} (${aboutList.message})`,
            }),
          )
        }
        return Effect.fail(unexpected(error, "list check"))
      },
    }),
  )

/** Checks the token, then the list when there is one; fails with the first problem found. */
export const run = (exchange: Exchange, listId: string | undefined): Effect.Effect<void, ProbeError> =>
  Effect.zipRight(
    checkToken(exchange, listId),
    listId === undefined ? Effect.void : checkList(exchange, listId),
  )
