/**
 * The worker that applies accepted batches: in the order they were queued, each a processing
 * delay after it was accepted, then the delivery of its report.
 */
import { Clock, Duration, Effect, Queue, type Scope } from "effect"
import type { Store } from "./store.js"
import type { Deliver } from "./webhook.js"

/**
 * Applies queued batches in order, each `delay` after it was accepted, and delivers their reports;
 * first resumes the deliveries that a previous run applied but had not finished. `signal` wakes
 * the worker when a batch is queued.
 */
export const start = (
  store: Store,
  deliver: Deliver,
  signal: Queue.Queue<void>,
  delay: Duration.Duration,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const applyNext = Effect.gen(function* () {
      const next = yield* store.nextQueued
      if (next === undefined) {
        yield* Queue.take(signal).pipe(Effect.timeout("1 second"), Effect.ignore)
        return
      }
      const wait = next.acceptedAt + Duration.toMillis(delay) - (yield* Clock.currentTimeMillis)
      if (wait > 0) yield* Effect.sleep(wait)
      const applied = yield* store.apply(next.batchId, yield* Clock.currentTimeMillis)
      if (applied !== undefined && applied.webHookUrl !== null) {
        yield* Effect.forkScoped(deliver(next.batchId, applied.webHookUrl, applied.report))
      }
    })
    yield* store.pendingWebhooks.pipe(
      Effect.flatMap((pending) =>
        Effect.forEach(pending, (p) => Effect.forkScoped(deliver(p.batchId, p.url, p.report)), {
          discard: true,
        }),
      ),
      Effect.orDie,
    )
    yield* Effect.forkScoped(
      applyNext.pipe(
        Effect.catchAllCause((cause) =>
          Effect.logError("sandbox: applying a batch failed", cause).pipe(
            Effect.zipRight(Effect.sleep("1 second")),
          ),
        ),
        Effect.forever,
      ),
    )
  })
