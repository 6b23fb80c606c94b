/**
 * Batch reports by batch id, kept until someone awaits them. A report may arrive before the
 * pipeline starts waiting for it (the CRM can be faster than the pipeline's bookkeeping), so
 * arrivals are held; a report goes once it has been handed over, and when more than `capacity`
 * are held the oldest go first, so a CRM posting reports nobody asks for cannot grow memory.
 * Repeated deliveries of a batch already handed over are recognised and ignored.
 */
import type { BatchReport } from "@brainsync/core"
import { Deferred, type Duration, Effect, Exit, FiberId, Option } from "effect"

type Report = BatchReport.BatchReport

export interface Inbox {
  readonly deliver: (report: Report) => void
  readonly await: (batchId: string, timeout: Duration.DurationInput) => Effect.Effect<Option.Option<Report>>
}

const dropOldest = <A>(collection: Map<string, A> | Set<string>, capacity: number) => {
  for (const key of collection.keys()) {
    if (collection.size <= capacity) return
    collection.delete(key)
  }
}

export const make = (capacity: number): Inbox => {
  const held = new Map<string, Report>()
  const waiters = new Map<string, Deferred.Deferred<Report>>()
  const handedOver = new Set<string>()

  const handOver = (batchId: string) => {
    handedOver.add(batchId)
    dropOldest(handedOver, capacity)
  }

  return {
    deliver: (report) => {
      const waiter = waiters.get(report.batchId)
      if (waiter !== undefined) {
        Deferred.unsafeDone(waiter, Exit.succeed(report))
      } else if (!handedOver.has(report.batchId) && !held.has(report.batchId)) {
        held.set(report.batchId, report)
        dropOldest(held, capacity)
      }
    },
    await: (batchId, timeout) =>
      Effect.suspend(() => {
        const arrived = held.get(batchId)
        if (arrived !== undefined) {
          held.delete(batchId)
          handOver(batchId)
          return Effect.succeed(Option.some(arrived))
        }
        const waiter = waiters.get(batchId) ?? Deferred.unsafeMake<Report>(FiberId.none)
        waiters.set(batchId, waiter)
        return Deferred.await(waiter).pipe(
          Effect.timeoutOption(timeout),
          Effect.tap((report) =>
            Effect.sync(() => {
              if (Option.isSome(report)) handOver(batchId)
            }),
          ),
          Effect.ensuring(
            Effect.sync(() => {
              if (waiters.get(batchId) === waiter) waiters.delete(batchId)
            }),
          ),
        )
      }),
  }
}
