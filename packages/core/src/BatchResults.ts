/**
 * Where the CRM's per-contact results come from. The CRM applies an accepted batch later and
 * posts a `BatchReport` to the batch's `webHookUrl`; a results service tells the pipeline which
 * URL to put in each request and lets it wait for a batch's report. Without one, accepted rows
 * end `accepted`.
 *
 * A report is believed only when it fits its batch (`check`): whoever learned the URL could post
 * one. A service that checks (`WebhookReceiver` does) is told each batch at its 202 (`expect`),
 * hands over only the first report that fits it, and tells the reports it refused (`takeRefused`).
 *
 * @since 0.1.0
 * @module
 */
import { Context, Duration, Effect, Option } from "effect"
import type { BatchReport } from "./BatchReport.js"
import * as ReportCheck from "./internal/reportCheck.js"

/**
 * A batch the CRM accepted, as its report must match it: the batch id of the 202, the list it was
 * sent to, and for each contact of the request, in order, the contactId it was sent with.
 *
 * @since 0.1.0
 * @category models
 */
export interface Expected {
  readonly batchId: string
  readonly listId: string | null
  readonly contactIds: ReadonlyArray<number | undefined>
}

/**
 * A report refused: the batch it claimed (when it named one) and why, in one line.
 *
 * @since 0.1.0
 * @category models
 */
export interface RefusedReport {
  readonly batchId: string | undefined
  readonly reason: string
}

/**
 * The reports refused since the last look: how many, and the first of them.
 *
 * @since 0.1.0
 * @category models
 */
export interface Refused {
  readonly count: number
  readonly reports: ReadonlyArray<RefusedReport>
}

/**
 * What a results service offers: the URL to put in each request, and a way to wait for a
 * batch's report.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The URL the CRM should post reports to, put in every request's `webHookUrl`. */
  readonly webHookUrl: string
  /**
   * The report for `batchId`, or `None` if it did not arrive within `timeout`. A service with
   * `expect` hands over only a report that fits the expected batch.
   */
  readonly await: (
    batchId: string,
    timeout: Duration.DurationInput,
  ) => Effect.Effect<Option.Option<BatchReport>>
  /** Told each batch as soon as its 202 came, before awaiting it: what its report must fit. */
  readonly expect?: ((batch: Expected) => Effect.Effect<void>) | undefined
  /** The reports refused since the last call (each told once). */
  readonly takeRefused?: Effect.Effect<Refused> | undefined
}

/**
 * The results service. `WebhookReceiver.layer` from `@brainsync/adapters-http` provides one.
 *
 * @since 0.1.0
 * @category services
 */
export class BatchResults extends Context.Tag("@brainsync/core/BatchResults")<BatchResults, Service>() {}

/**
 * The results service if one is provided, so that `Sync.run` works with and without one.
 *
 * @since 0.1.0
 * @category services
 */
export const optional: Effect.Effect<Option.Option<Service>> = Effect.serviceOption(BatchResults)

/**
 * The first way a report does not fit its batch, in one line, or `undefined` when it fits: another
 * batch id or list, a number of results other than the batch's contacts, an index outside
 * `0..n-1` or given twice, a contactId that is not a positive int64, a tally that does not add up
 * to the results, or a result naming another contact than the contactId its row was sent with.
 *
 * @since 0.1.0
 * @category utils
 */
export const check: (expected: Expected, report: BatchReport) => string | undefined =
  ReportCheck.inconsistency
