/**
 * The 202 body of `POST /contacts/batch`: the batch was queued and will be applied
 * asynchronously; its per-contact results arrive later as a `BatchReport` on the webhook.
 */
import { Schema } from "effect"
import { PropertyField } from "./Contact.js"
import { Int32 } from "./Int64.js"

export const BatchAcceptedData = Schema.Struct({
  batchId: Schema.String,
  processed: Schema.String,
  contactId: Schema.optional(Schema.NullOr(Schema.String)),
  status: Int32,
  message: Schema.String,
  invalidPropertiesList: Schema.Array(PropertyField),
  invalidContactIdList: Schema.Array(Schema.String),
  balance: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
}).annotations({ identifier: "BatchAcceptedData" })

export const BatchAccepted = Schema.Struct({
  status: Schema.String,
  message: Schema.String,
  data: BatchAcceptedData,
}).annotations({ identifier: "BatchAccepted" })
export type BatchAccepted = typeof BatchAccepted.Type
