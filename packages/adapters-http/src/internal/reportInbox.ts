/**
 * Batch reports by batch id, judged against the batch they claim and kept until someone awaits
 * them.
 *
 * The pipeline tells each batch at its 202 (`expect`); a report is taken only if it fits that
 * batch (`BatchResults.check`), and only the first one that fits: the batch's rows settle once,
 * so a later report cannot change them. The same report again (a CRM retrying its delivery) is
 * acknowledged; a different one is refused. A report may arrive before its batch is told (the CRM
 * can be faster than the pipeline's bookkeeping): it waits for it, up to `unknownBatchWait`, and
 * is refused if no such batch comes. Every refusal is counted for the run's report.
 *
 * A report that fits waits until it is awaited; when more than `capacity` are held (or batches
 * expected, or reports remembered) the oldest go first, so a CRM posting reports nobody asks for
 * cannot grow memory.
 */
import { type BatchReport, BatchResults } from "@brainsync/core"
import { Deferred, Duration, Effect, Exit, FiberId, Option } from "effect"

type Report = BatchReport.BatchReport

/** What the receiver answers a report: taken (204), or refused with a status and why. */
export type Verdict =
  | { readonly _tag: "Taken" }
  | { readonly _tag: "Refused"; readonly status: 400 | 404 | 409 | 413 | 422; readonly reason: string }

export interface Inbox {
  readonly expect: (batch: BatchResults.Expected) => Effect.Effect<void>
  readonly receive: (report: Report) => Effect.Effect<Verdict>
  /** Counts a post that was no report at all (too large, not decodable) and gives its verdict. */
  readonly refuse: (status: 400 | 413, reason: string) => Verdict
  readonly await: (batchId: string, timeout: Duration.DurationInput) => Effect.Effect<Option.Option<Report>>
  readonly takeRefused: Effect.Effect<BatchResults.Refused>
}

/** How many refused reports are kept with their reasons between two looks (all are counted). */
const KEEP_REFUSED = 100

const TAKEN: Verdict = { _tag: "Taken" }

const dropOldest = <A>(collection: Map<string, A>, capacity: number) => {
  for (const key of collection.keys()) {
    if (collection.size <= capacity) return
    collection.delete(key)
  }
}

const setBounded = <A>(collection: Map<string, A>, key: string, value: A, capacity: number) => {
  collection.set(key, value)
  dropOldest(collection, capacity)
}

export const make = (options: {
  readonly capacity: number
  readonly unknownBatchWait: Duration.DurationInput
}): Inbox => {
  const { capacity } = options
  const expected = new Map<string, BatchResults.Expected>()
  /** The batches whose report was taken, with that report as text (to know it again). */
  const taken = new Map<string, string>()
  const held = new Map<string, Report>()
  const waiters = new Map<string, Deferred.Deferred<Report>>()
  /** Posts waiting for their batch to be told. */
  const announced = new Map<string, Array<() => void>>()
  let refusedCount = 0
  let refusedFirst: Array<BatchResults.RefusedReport> = []

  const refused = (
    batchId: string | undefined,
    status: 400 | 404 | 409 | 413 | 422,
    reason: string,
  ): Verdict => {
    refusedCount++
    if (refusedFirst.length < KEEP_REFUSED) refusedFirst.push({ batchId, reason })
    return { _tag: "Refused", status, reason }
  }

  /** The verdict on `report`, or `undefined` while its batch is not told. */
  const judge = (report: Report): Verdict | undefined => {
    const { batchId } = report
    const text = JSON.stringify(report)
    const first = taken.get(batchId)
    if (first !== undefined)
      return first === text
        ? TAKEN
        : refused(batchId, 409, `batch ${batchId} already has its report (the first that fits wins)`)
    const batch = expected.get(batchId)
    if (batch === undefined) return undefined
    const reason = BatchResults.check(batch, report)
    if (reason !== undefined) return refused(batchId, 422, reason)
    expected.delete(batchId)
    setBounded(taken, batchId, text, capacity)
    const waiter = waiters.get(batchId)
    if (waiter !== undefined) Deferred.unsafeDone(waiter, Exit.succeed(report))
    else setBounded(held, batchId, report, capacity)
    return TAKEN
  }

  const told = (batchId: string) =>
    Effect.async<void>((resume) => {
      const wake = () => resume(Effect.void)
      const waiting = announced.get(batchId) ?? []
      waiting.push(wake)
      setBounded(announced, batchId, waiting, capacity)
      return Effect.sync(() => {
        const still = announced.get(batchId)?.filter((other) => other !== wake) ?? []
        if (still.length === 0) announced.delete(batchId)
        else announced.set(batchId, still)
      })
    })

  return {
    expect: (batch) =>
      Effect.sync(() => {
        if (taken.has(batch.batchId)) return
        setBounded(expected, batch.batchId, batch, capacity)
        const waiting = announced.get(batch.batchId)
        announced.delete(batch.batchId)
        for (const wake of waiting ?? []) wake()
      }),
    receive: (report) =>
      Effect.suspend(() => {
        const verdict = judge(report)
        if (verdict !== undefined) return Effect.succeed(verdict)
        // The server may run its handler uninterruptibly; the wait must end at its timeout anyway.
        return told(report.batchId).pipe(
          Effect.interruptible,
          Effect.timeoutOption(options.unknownBatchWait),
          Effect.map(
            () =>
              judge(report) ??
              refused(report.batchId, 404, `no batch ${report.batchId} is awaited by this receiver`),
          ),
        )
      }),
    refuse: (status, reason) => refused(undefined, status, reason),
    await: (batchId, timeout) =>
      Effect.suspend(() => {
        const arrived = held.get(batchId)
        if (arrived !== undefined) {
          held.delete(batchId)
          return Effect.succeed(Option.some(arrived))
        }
        const waiter = waiters.get(batchId) ?? Deferred.unsafeMake<Report>(FiberId.none)
        waiters.set(batchId, waiter)
        return Deferred.await(waiter).pipe(
          Effect.timeoutOption(timeout),
          Effect.tap((report) =>
            Effect.sync(() => {
              // Given up on: a report coming later is refused, not held for nobody.
              if (Option.isNone(report)) expected.delete(batchId)
            }),
          ),
          Effect.ensuring(
            Effect.sync(() => {
              if (waiters.get(batchId) === waiter) waiters.delete(batchId)
            }),
          ),
        )
      }),
    takeRefused: Effect.sync(() => {
      const result = { count: refusedCount, reports: refusedFirst }
      refusedCount = 0
      refusedFirst = []
      return result
    }),
  }
}
