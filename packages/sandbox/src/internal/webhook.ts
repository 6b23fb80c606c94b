/**
 * Delivery of batch reports to `webHookUrl`: only to allowed hosts (others are recorded as
 * refused and never called), retried with exponential backoff.
 */
import type { BatchReport } from "@brainsync/core"
import { HttpBody, HttpClient } from "@effect/platform"
import { Duration, Effect, Ref, Schedule } from "effect"
import type { Store } from "./store.js"

export interface WebhookOptions {
  /** Host names (or `*` for any) that may receive webhooks. */
  readonly allow: ReadonlyArray<string>
  readonly attempts: number
  readonly backoff: Duration.Duration
  readonly timeout: Duration.Duration
}

export const LOOPBACK_HOSTS: ReadonlyArray<string> = ["127.0.0.1", "localhost", "::1"]

/** The reason a URL may not be called, or `undefined` if it may. */
export const refusal = (allow: ReadonlyArray<string>, url: string): string | undefined => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return "not a valid URL"
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    return `protocol ${parsed.protocol} is not allowed`
  const host = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase()
  return allow.includes("*") || allow.some((allowed) => allowed.toLowerCase() === host)
    ? undefined
    : `host ${host} is not in the webhook allow-list`
}

/** Delivers a batch's report to `url` (or records why not); never fails. */
export type Deliver = (batchId: string, url: string, report: BatchReport.BatchReport) => Effect.Effect<void>

export const make = (
  options: WebhookOptions,
  store: Pick<Store, "setWebhook">,
  client: HttpClient.HttpClient,
): Deliver => {
  const ok = HttpClient.filterStatusOk(client)
  return (batchId: string, url: string, report: BatchReport.BatchReport) =>
    Effect.gen(function* () {
      const refused = refusal(options.allow, url)
      if (refused !== undefined) {
        yield* store.setWebhook(batchId, "refused", 0, refused)
        return
      }
      const attempts = yield* Ref.make(0)
      const attempt = Effect.gen(function* () {
        const n = yield* Ref.updateAndGet(attempts, (a) => a + 1)
        yield* ok.post(url, { body: HttpBody.unsafeJson(report) }).pipe(
          Effect.scoped,
          Effect.timeout(options.timeout),
          Effect.tapError((error) =>
            store.setWebhook(batchId, "pending", n, String(error.message)).pipe(Effect.ignore),
          ),
        )
        yield* store.setWebhook(batchId, "delivered", n, null)
      })
      yield* attempt.pipe(
        Effect.retry(
          Schedule.exponential(options.backoff).pipe(
            Schedule.intersect(Schedule.recurs(Math.max(0, options.attempts - 1))),
          ),
        ),
        Effect.catchAll((error) =>
          Ref.get(attempts).pipe(
            Effect.flatMap((n) => store.setWebhook(batchId, "failed", n, String(error.message))),
          ),
        ),
      )
    }).pipe(Effect.catchAllCause((cause) => Effect.logError("sandbox: webhook delivery", cause)))
}
