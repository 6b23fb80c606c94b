/**
 * What each answer of `POST /contacts/batch` means: the 202 body, one of the contract's typed
 * errors (decoded from the body, so that problem indices are kept), or a `TransportError` for
 * anything the contract does not document. Which error a status stands for comes from the
 * `HttpApi` definition (`MainBrainerApi.upsertBatchErrors`); how leniently each one's body is
 * read is the client's own choice, made here.
 */
import { ApiError, BatchAccepted, ContactSink, MainBrainerApi } from "@brainsync/core"
import { Either, Schema } from "effect"

const optionalMessage = { message: Schema.optional(Schema.String) }
const decodeAccepted = Schema.decodeUnknownEither(BatchAccepted.BatchAccepted)
const decodeProblems = Schema.decodeUnknownEither(
  Schema.Struct({
    ...optionalMessage,
    errors: Schema.optionalWith(Schema.Array(ApiError.Problem), { default: () => [] }),
  }),
)
const decodeConflicts = Schema.decodeUnknownEither(
  Schema.Struct({
    ...optionalMessage,
    errors: Schema.optionalWith(Schema.Array(ApiError.ConflictProblem), { default: () => [] }),
  }),
)
const decodeMessage = Schema.decodeUnknownEither(Schema.Struct(optionalMessage))
const decodeRateLimited = Schema.decodeUnknownEither(
  Schema.Struct({ ...optionalMessage, retryAfterSeconds: Schema.optional(Schema.NonNegative) }),
)

export interface Answer {
  readonly status: number
  /** The body as text; `undefined` when it could not be read. */
  readonly body: string | undefined
  /** The `Retry-After` header already turned into seconds. */
  readonly retryAfterSeconds: number | undefined
}

const parseJson = (text: string | undefined): Either.Either<unknown, undefined> => {
  if (text === undefined || text.trim() === "") return Either.left(undefined)
  try {
    return Either.right(JSON.parse(text) as unknown)
  } catch {
    return Either.left(undefined)
  }
}

/** Gateways answer 502 and 504 after they forwarded the request, so the CRM may have applied it. */
const gatewayMayHaveForwarded = (status: number) => status === 502 || status === 504

const unexpected = (status: number, what: string, maybeApplied: boolean) =>
  new ContactSink.TransportError({
    reason: "UnexpectedResponse",
    message: `the CRM answered ${status} with ${what}`,
    maybeApplied,
    status,
  })

export const interpret = (
  answer: Answer,
): Either.Either<BatchAccepted.BatchAccepted, ContactSink.SinkError> => {
  const { status } = answer
  const json = parseJson(answer.body)
  if (status >= 200 && status < 300) {
    return Either.mapLeft(decodeAccepted(Either.getOrUndefined(json)), () =>
      unexpected(
        status,
        Either.isLeft(json) ? "a body that is not JSON" : "a body that is not the 202 shape",
        true,
      ),
    )
  }
  return Either.left(failure(answer, json))
}

const failure = (answer: Answer, json: Either.Either<unknown, undefined>): ContactSink.SinkError => {
  const { status } = answer
  const body: unknown = Either.getOrUndefined(json)
  const fallback = `HTTP ${status}`
  const invalid = () =>
    unexpected(status, Either.isLeft(json) ? "a body that is not JSON" : "an undocumented body", false)
  switch (MainBrainerApi.upsertBatchErrors.get(status)) {
    case "BadRequest":
      return Either.match(decodeProblems(body), {
        onLeft: invalid,
        onRight: ({ message, errors }) => new ApiError.BadRequest({ message: message ?? fallback, errors }),
      })
    case "Unauthorized":
      return new ApiError.Unauthorized({
        message: Either.getOrUndefined(decodeMessage(body))?.message ?? fallback,
      })
    case "NotAcceptable":
      return new ApiError.NotAcceptable({
        message: Either.getOrUndefined(decodeMessage(body))?.message ?? fallback,
      })
    case "Conflict":
      return Either.match(decodeConflicts(body), {
        onLeft: invalid,
        onRight: ({ message, errors }) => new ApiError.Conflict({ message: message ?? fallback, errors }),
      })
    case "Unprocessable":
      return Either.match(decodeProblems(body), {
        onLeft: invalid,
        onRight: ({ message, errors }) =>
          new ApiError.Unprocessable({ message: message ?? fallback, errors }),
      })
    case "RateLimited": {
      // The status alone says what to do; the body (often a gateway's) only adds detail.
      const decoded = Either.getOrUndefined(decodeRateLimited(body))
      const retryAfterSeconds = answer.retryAfterSeconds ?? decoded?.retryAfterSeconds
      return new ApiError.RateLimited({
        message: decoded?.message ?? fallback,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      })
    }
    case "ServerError":
      return Either.match(decodeMessage(body), {
        onLeft: invalid,
        onRight: ({ message }) => new ApiError.ServerError({ message: message ?? fallback }),
      })
    case undefined:
      return unexpected(status, "an undocumented status", gatewayMayHaveForwarded(status))
  }
}
