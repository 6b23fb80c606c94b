/**
 * Where batches go: the CRM's `POST /contacts/batch`, or a test double. `upsert` answers with the
 * 202 body, or fails with the contract's typed errors or a `TransportError`. The pipeline decides
 * what each error means for the batch's rows (retry, wait, split, reject, stop); a sink only
 * reports faithfully what happened.
 *
 * @since 0.1.0
 * @module
 */
import { Context, Data, Effect, Layer, Ref } from "effect"
import type { ApiError } from "./ApiError.js"
import type { BatchAccepted } from "./BatchAccepted.js"
import type { BatchRequest } from "./BatchRequest.js"
import type { Service as RateLimiter } from "./RateLimiter.js"

/**
 * The request did not get a usable answer. `maybeApplied` is true when the request was sent in
 * full but its response never arrived (timeout, connection reset after sending): the CRM may have
 * applied the batch, so only contacts that it matches again (contactId, email, mobile) are safe to
 * resend.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Data.TaggedError("TransportError")<{
  readonly reason: "Timeout" | "ConnectionFailed" | "ResponseLost" | "UnexpectedResponse"
  readonly message: string
  readonly maybeApplied: boolean
  /** The HTTP status, when an undocumented one came back (502, 503, 504, ...). */
  readonly status?: number | undefined
  readonly cause?: unknown
}> {}

/**
 * Every way `upsert` can fail: one of the contract's errors, or a `TransportError`.
 *
 * @since 0.1.0
 * @category errors
 */
export type SinkError = ApiError | TransportError

/**
 * What a sink does: send one batch request and report the answer as it came.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly upsert: (request: BatchRequest) => Effect.Effect<BatchAccepted, SinkError>
  /**
   * The rate limiter that paces this sink's requests, when it has one. A sync then adds no limiter
   * of its own, and pauses this one after a 429.
   */
  readonly limiter?: RateLimiter | undefined
  /**
   * Asks the CRM whether it takes the token, sending no contact: a run that had nothing to send
   * calls it, so that a token gone bad does not pass unnoticed while the source is unchanged.
   * Fails with `Unauthorized` or `NotAcceptable` only; any other answer passes.
   */
  readonly verify?: Effect.Effect<void, ApiError> | undefined
}

/**
 * The sink service. `MainBrainer.layer` from `@brainsync/adapters-http` provides the CRM;
 * `layerMemory` a sink that keeps what it was sent.
 *
 * @since 0.1.0
 * @category services
 */
export class ContactSink extends Context.Tag("@brainsync/core/ContactSink")<ContactSink, Service>() {}

/**
 * The 202 body of a queued batch, as the CRM words it: for sinks that accept without a CRM.
 *
 * @since 0.1.0
 * @category constructors
 */
export const acceptedBody = (batchId: string, processed: number): BatchAccepted => ({
  status: "Success",
  message: "Batch queued",
  data: {
    batchId,
    processed: String(processed),
    status: 0,
    message: "Batch queued",
    invalidPropertiesList: [],
    invalidContactIdList: [],
    balance: {},
  },
})

/**
 * A sink that accepts every batch and keeps what it was sent: for tests and dry pipelines.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = Effect.gen(function* () {
  const sent = yield* Ref.make<ReadonlyArray<BatchRequest>>([])
  let next = 0
  const service: Service = {
    upsert: (request) =>
      Ref.update(sent, (all) => [...all, request]).pipe(
        Effect.as(acceptedBody(`memory-${++next}`, request.createUpdateContacts.length)),
      ),
  }
  return { service, sent: Ref.get(sent) } as const
})

/**
 * The memory sink as a layer, for tests that need a sink but not what it was sent (use
 * `makeMemory` for that).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<ContactSink> = Layer.effect(
  ContactSink,
  Effect.map(makeMemory, ({ service }) => service),
)
