/**
 * What the CRM posts to a batch's `webHookUrl` once the batch has been applied: counts and
 * contact ids per outcome, and one result per contact, in the order of the request. Contact ids
 * are strings on this side of the wire, so that no int64 is ever rounded.
 */
import { Schema } from "effect"

export const Outcome = Schema.Literal("inserted", "updated", "skipped")
export type Outcome = typeof Outcome.Type

export const Tally = Schema.Struct({
  count: Schema.Int.pipe(Schema.nonNegative()),
  contactIds: Schema.Array(Schema.String),
}).annotations({ identifier: "Tally" })
export type Tally = typeof Tally.Type

export const ContactResult = Schema.Struct({
  index: Schema.Int.pipe(Schema.nonNegative()),
  contactId: Schema.NullOr(Schema.String),
  outcome: Outcome,
  reason: Schema.optional(Schema.String),
}).annotations({ identifier: "ContactResult" })
export type ContactResult = typeof ContactResult.Type

export const BatchReport = Schema.Struct({
  batchId: Schema.String,
  listId: Schema.NullOr(Schema.UUID),
  inserted: Tally,
  updated: Tally,
  skipped: Tally,
  results: Schema.Array(ContactResult),
}).annotations({ identifier: "BatchReport" })
export type BatchReport = typeof BatchReport.Type
