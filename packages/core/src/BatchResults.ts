/**
 * Where the CRM's per-contact results come from. The CRM applies an accepted batch later and
 * posts a `BatchReport` to the batch's `webHookUrl`; a results service tells the pipeline which
 * URL to put in each request and lets it wait for a batch's report. Without one, accepted rows
 * end `accepted`.
 *
 * @since 0.1.0
 * @module
 */
import { Context, Duration, Effect, Option } from "effect"
import type { BatchReport } from "./BatchReport.js"

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
  /** The report for `batchId`, or `None` if it did not arrive within `timeout`. */
  readonly await: (
    batchId: string,
    timeout: Duration.DurationInput,
  ) => Effect.Effect<Option.Option<BatchReport>>
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
