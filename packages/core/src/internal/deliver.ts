/**
 * The sink stage: sends one batch and handles every answer by its type, until each of the
 * batch's rows is accepted, rejected or failed — or the sync must stop (`Fatal`).
 *
 * - 429: wait Retry-After (backoff when absent), pausing every sender; does not use the retry
 *   budget, but the waits of one batch are capped (`rateLimitWaitCap`), then its rows fail.
 * - 500, undocumented statuses, transport errors: backoff with jitter, up to `maxAttempts`.
 * - 400/422 naming indices: those rows are rejected, the rest resent; without indices the batch
 *   is split in halves until each bad row is alone (a lone row that fails is rejected).
 * - 409: the later row of each conflicting pair is sent after the rest was accepted.
 * - 401/406: `Fatal`.
 *
 * Before a request leaves, its body is kept within `maxRequestBytes`: a row whose body alone
 * would pass it is rejected, unsent; a batch that would pass it is split in halves.
 */
import { Data, Effect, Option } from "effect"
import type { ApiError } from "../ApiError.js"
import type { Policy } from "../Backoff.js"
import type { BatchAccepted } from "../BatchAccepted.js"
import type { BatchRequest } from "../BatchRequest.js"
import type { Service as Sink, SinkError } from "../ContactSink.js"
import type { RejectedRow, SyncEvent } from "../SyncEvent.js"
import * as Backoff from "./backoff.js"
import type { Item } from "./batcher.js"
import type { RateLimit } from "./rateLimit.js"
import * as RequestSize from "./requestSize.js"
import * as Warnings from "./warnings.js"

export class Fatal extends Data.TaggedError("Fatal")<{
  readonly reason:
    | "Unauthorized"
    | "NotAcceptable"
    | "SourceFailed"
    | "LedgerFailed"
    | "InvalidConfig"
    | "UnknownProperties"
    | "RejectRate"
  readonly message: string
  readonly cause?: unknown
}> {}

/** The backoff of 5xx and transport errors, and the most a batch waits on 429s in total. */
export interface RetryPolicy extends Policy {
  readonly rateLimitWaitCapMillis: number
}

export interface AcceptedPart {
  readonly batch: number
  readonly batchId: string
  readonly items: ReadonlyArray<Item>
}

export interface Env {
  readonly sink: Sink
  readonly limit: RateLimit
  readonly retry: RetryPolicy
  readonly listId: string | undefined
  readonly webHookUrl: string | undefined
  /** The largest request body sent, in bytes of its JSON text. */
  readonly maxRequestBytes: number
  /** Unknown properties are counted warnings; otherwise the run stops after the batch that revealed them. */
  readonly allowUnknownProperties: boolean
  readonly emit: (event: SyncEvent) => Effect.Effect<void>
  /** Called on each 202, before the rows count as accepted (the ledger's commit). */
  readonly onAccepted: (part: AcceptedPart) => Effect.Effect<void, Fatal>
  /** Called with rows that end failed (the ledger's dead letters). */
  readonly onFailed: (items: ReadonlyArray<Item>, error: string) => Effect.Effect<void, Fatal>
}

/** One line for a sink error, with its status. */
export const describe = (error: SinkError): string => {
  switch (error._tag) {
    case "TransportError":
      return `${error.reason}${error.status === undefined ? "" : ` (HTTP ${error.status})`}: ${error.message}`
    case "BadRequest":
      return `400 Bad Request: ${withProblems(error)}`
    case "Unauthorized":
      return `401 Unauthorized: ${error.message}`
    case "NotAcceptable":
      return `406 Not Acceptable: ${error.message}`
    case "Conflict":
      return `409 Conflict: ${error.message}`
    case "Unprocessable":
      return `422 Unprocessable: ${withProblems(error)}`
    case "RateLimited":
      return `429 Too Many Requests: ${error.message}`
    case "ServerError":
      return `500 Server Error: ${error.message}`
  }
}

const withProblems = (
  error: Extract<ApiError, { readonly errors: ReadonlyArray<{ readonly message: string }> }>,
) =>
  error.errors.length === 0
    ? error.message
    : `${error.message} (${error.errors.map((p) => p.message).join("; ")})`

const request = (env: Env, items: ReadonlyArray<Item>): BatchRequest => {
  const contacts = items.map((item) => item.contact)
  const body: { -readonly [K in keyof BatchRequest]: BatchRequest[K] } = { createUpdateContacts: contacts }
  if (env.listId !== undefined) body.listId = env.listId
  if (env.webHookUrl !== undefined) body.webHookUrl = env.webHookUrl
  return body
}

const fail = (env: Env, batch: number, items: ReadonlyArray<Item>, error: string) =>
  Effect.gen(function* () {
    yield* env.onFailed(items, error)
    for (const item of items) item.done = true
    yield* env.emit({
      _tag: "RowsFailed",
      batch,
      rows: items.map((item) => ({ position: item.position, key: item.key, contact: item.contact, error })),
    })
  })

const reject = (
  env: Env,
  items: ReadonlyArray<Item>,
  problems: ReadonlyArray<{ field?: string | undefined; message: string }>,
  by: "mapping" | "crm" = "crm",
) => {
  const rows: Array<RejectedRow> = items.map((item, i) => {
    item.done = true
    const problem = problems[i]!
    return {
      position: item.position,
      key: item.key,
      field: problem.field ?? "contact",
      reason: problem.message,
    }
  })
  return env.emit({ _tag: "RowsRejected", by, rows })
}

const halves = <A>(items: ReadonlyArray<A>) => {
  const middle = Math.ceil(items.length / 2)
  return [items.slice(0, middle), items.slice(middle)] as const
}

interface Attempts {
  /** Attempts at this request, counting 5xx and transport errors (429s do not use the budget). */
  readonly attempt: number
  readonly rateLimitedWaits: number
  readonly rateLimitedMillis: number
}

/**
 * Sends `items` (all or part of batch number `batch`) until every row has settled.
 *
 * The path of a batch that is accepted at once is built from combinators, not `Effect.gen`: a
 * generator per batch kept each batch's rows reachable after it was done.
 * Why: docs/performance.md, "Delivery without a generator per batch".
 */
export const send = (
  env: Env,
  batch: number,
  items: ReadonlyArray<Item>,
): Effect.Effect<ReadonlyArray<AcceptedPart>, Fatal> => {
  const envelopeBytes = RequestSize.jsonBytes(request(env, []))
  const contacts = items.map((item) => item.contact)
  if (RequestSize.fits(envelopeBytes, contacts, env.maxRequestBytes))
    return sendFrom(env, batch, items, { attempt: 1, rateLimitedWaits: 0, rateLimitedMillis: 0 })
  return tooLarge(env, batch, items, envelopeBytes)
}

/**
 * A batch whose body would pass `maxRequestBytes`: the rows that could not go even alone are
 * rejected (the CRM never sees them), and the rest is sent in halves (each measured again).
 */
const tooLarge = (
  env: Env,
  batch: number,
  items: ReadonlyArray<Item>,
  envelopeBytes: number,
): Effect.Effect<ReadonlyArray<AcceptedPart>, Fatal> => {
  const aloneBytes = (item: Item) => envelopeBytes + RequestSize.exact(item.contact)
  const unsendable = items.filter((item) => aloneBytes(item) > env.maxRequestBytes)
  if (unsendable.length === 0) return split(env, batch, items)
  const rest = items.filter((item) => aloneBytes(item) <= env.maxRequestBytes)
  return Effect.zipRight(
    reject(
      env,
      unsendable,
      unsendable.map((item) => ({
        field: "contact",
        message:
          `its request body alone would be ${aloneBytes(item)} bytes, above the limit of ` +
          `${env.maxRequestBytes} (maxRequestBytes), so it was not sent; shorten or drop some of its properties`,
      })),
      "mapping",
    ),
    rest.length === 0 ? Effect.succeed([]) : Effect.suspend(() => send(env, batch, rest)),
  )
}

const sendFrom = (
  env: Env,
  batch: number,
  items: ReadonlyArray<Item>,
  attempts: Attempts,
): Effect.Effect<ReadonlyArray<AcceptedPart>, Fatal> =>
  env.limit.pace(
    Effect.zipRight(
      env.emit({
        _tag: "BatchSent",
        batch,
        size: items.length,
        attempt: attempts.attempt + attempts.rateLimitedWaits,
      }),
      Effect.matchEffect(
        Effect.suspend(() => env.sink.upsert(request(env, items))),
        {
          onSuccess: (accepted) =>
            accept(env, { batch, batchId: accepted.data.batchId, items }, accepted.data),
          onFailure: (error) => answer(env, batch, items, attempts, error),
        },
      ),
    ),
  )

/**
 * A 202: the ledger records the part's rows (but those the CRM warned about), they count as
 * accepted, and the warnings are told; unknown properties then stop the run unless allowed.
 */
const accept = (
  env: Env,
  part: AcceptedPart,
  data: BatchAccepted["data"],
): Effect.Effect<ReadonlyArray<AcceptedPart>, Fatal> => {
  const warnings = Warnings.find(data, part.items)
  // Rows with an unknown contactId, or with unknown properties the run stops on, are not recorded:
  // the next run sends them again (with the property created, or the contactId mended).
  const unrecorded = (item: Item) =>
    warnings.byContactId.has(item) || (!env.allowUnknownProperties && warnings.byProperty.has(item))
  const recorded =
    warnings.rows.length === 0 ? part : { ...part, items: part.items.filter((item) => !unrecorded(item)) }
  const accepted = Effect.zipRight(
    recorded.items.length === 0 ? Effect.void : env.onAccepted(recorded),
    Effect.suspend(() => {
      for (const item of part.items) item.accepted = true
      return Effect.as(
        env.emit({
          _tag: "BatchAccepted",
          batch: part.batch,
          batchId: part.batchId,
          size: part.items.length,
        }),
        [part],
      )
    }),
  )
  if (warnings.rows.length === 0) return accepted
  const warned = Effect.zipLeft(
    accepted,
    env.emit({ _tag: "RowsWarned", batch: part.batch, rows: warnings.rows }),
  )
  return warnings.properties.length === 0 || env.allowUnknownProperties
    ? warned
    : Effect.zipRight(
        warned,
        new Fatal({ reason: "UnknownProperties", message: Warnings.stopMessage(warnings.properties) }),
      )
}

/** Handles one error answer: resends, waits, splits, rejects or fails, as its type asks. */
const answer = (
  env: Env,
  batch: number,
  items: ReadonlyArray<Item>,
  attempts: Attempts,
  error: SinkError,
): Effect.Effect<ReadonlyArray<AcceptedPart>, Fatal> =>
  Effect.gen(function* () {
    const { attempt, rateLimitedWaits, rateLimitedMillis } = attempts
    switch (error._tag) {
      case "Unauthorized":
      case "NotAcceptable":
        return yield* new Fatal({ reason: error._tag, message: describe(error), cause: error })
      case "RateLimited": {
        const wait =
          error.retryAfterSeconds !== undefined
            ? Math.ceil(error.retryAfterSeconds * 1000)
            : yield* Backoff.delay(env.retry, rateLimitedWaits + 1)
        if (rateLimitedMillis + wait > env.retry.rateLimitWaitCapMillis) {
          yield* fail(
            env,
            batch,
            items,
            `${describe(error)} (gave up after waiting ${rateLimitedMillis} ms in total)`,
          )
          return []
        }
        yield* env.emit({ _tag: "RateLimited", batch, waitMillis: wait })
        yield* env.limit.pauseFor(wait)
        return yield* sendFrom(env, batch, items, {
          attempt,
          rateLimitedWaits: rateLimitedWaits + 1,
          rateLimitedMillis: rateLimitedMillis + wait,
        })
      }
      case "ServerError":
      case "TransportError": {
        if (error._tag === "TransportError" && error.maybeApplied)
          yield* env.emit({ _tag: "ResponseLost", batch, size: items.length })
        const delay = yield* Backoff.next(env.retry, attempt)
        if (Option.isNone(delay)) {
          yield* fail(env, batch, items, `${describe(error)} (after ${attempt} attempts)`)
          return []
        }
        const delayMillis = delay.value
        yield* env.emit({ _tag: "BatchRetrying", batch, attempt, delayMillis, error: describe(error) })
        yield* Effect.sleep(delayMillis)
        return yield* sendFrom(env, batch, items, { ...attempts, attempt: attempt + 1 })
      }
      case "BadRequest":
      case "Unprocessable": {
        const named = new Map<number, { field?: string | undefined; message: string }>()
        for (const problem of error.errors)
          if (problem.index !== undefined && problem.index < items.length && !named.has(problem.index))
            named.set(problem.index, problem)
        if (named.size > 0) {
          const bad = [...named.keys()].sort((a, b) => a - b)
          yield* reject(
            env,
            bad.map((i) => items[i]!),
            bad.map((i) => named.get(i)!),
          )
          const rest = items.filter((_, i) => !named.has(i))
          return rest.length === 0 ? [] : yield* send(env, batch, rest)
        }
        if (items.length === 1) {
          yield* reject(env, items, [{ message: describe(error) }])
          return []
        }
        return yield* split(env, batch, items)
      }
      case "Conflict": {
        const moved = new Set<number>()
        for (const problem of error.errors) {
          const later = Math.max(problem.index, problem.conflictsWith)
          if (problem.index !== problem.conflictsWith && later < items.length) moved.add(later)
        }
        if (moved.size === 0) {
          if (items.length === 1) {
            yield* fail(env, batch, items, describe(error))
            return []
          }
          return yield* split(env, batch, items)
        }
        yield* env.emit({ _tag: "RowsDeferred", batch, count: moved.size })
        const first = yield* send(
          env,
          batch,
          items.filter((_, i) => !moved.has(i)),
        )
        const second = yield* send(
          env,
          batch,
          items.filter((_, i) => moved.has(i)),
        )
        return [...first, ...second]
      }
    }
  })

const split = (env: Env, batch: number, items: ReadonlyArray<Item>) =>
  Effect.gen(function* () {
    const [left, right] = halves(items)
    yield* env.emit({ _tag: "BatchSplit", batch, sizes: [left.length, right.length] })
    const first = yield* send(env, batch, left)
    const second = yield* send(env, batch, right)
    return [...first, ...second]
  })
