/**
 * What the CRM posts to a batch's `webHookUrl` once the batch has been applied: counts and
 * contact ids per outcome, and one result per contact, in the order of the request. Contact ids
 * are strings on this side of the wire, so that no int64 is ever rounded.
 *
 * @since 0.1.0
 * @module
 */
import { Schema } from "effect"

/**
 * What the CRM did with one contact of the batch.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Outcome = Schema.Literal("inserted", "updated", "skipped")
/**
 * An `Outcome` as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome = typeof Outcome.Type

/**
 * How many contacts of the batch had one outcome, and their contact ids.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Tally = Schema.Struct({
  count: Schema.Int.pipe(Schema.nonNegative()),
  contactIds: Schema.Array(Schema.String),
}).annotations({ identifier: "Tally" })
/**
 * A `Tally` as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type Tally = typeof Tally.Type

/**
 * The result for one contact: its `index` in the request's `createUpdateContacts`, its
 * contact id when it has one, the outcome, and the CRM's `reason` when it gave one.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContactResult = Schema.Struct({
  index: Schema.Int.pipe(Schema.nonNegative()),
  contactId: Schema.NullOr(Schema.String),
  outcome: Outcome,
  reason: Schema.optional(Schema.String),
}).annotations({ identifier: "ContactResult" })
/**
 * A `ContactResult` as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type ContactResult = typeof ContactResult.Type

/**
 * The report the CRM posts to a batch's `webHookUrl` once it has applied the batch.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BatchReport = Schema.Struct({
  batchId: Schema.String,
  listId: Schema.NullOr(Schema.UUID),
  inserted: Tally,
  updated: Tally,
  skipped: Tally,
  results: Schema.Array(ContactResult),
}).annotations({ identifier: "BatchReport" })
/**
 * A `BatchReport` as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type BatchReport = typeof BatchReport.Type
