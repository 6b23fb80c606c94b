/**
 * The 202 body of `POST /contacts/batch`: the batch was queued and will be applied
 * asynchronously; its per-contact results arrive later as a `BatchReport` on the webhook.
 *
 * @since 0.1.0
 * @module
 */
import { Schema } from "effect"
import { PropertyField } from "./Contact.js"
import { Int32 } from "./Int64.js"

/**
 * The `data` of the 202 body: the queued batch's `batchId`, how many contacts it holds
 * (`processed`, as text) and the CRM's status and message for it.
 *
 * @since 0.1.0
 * @category schemas
 */
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

/**
 * The 202 body: `status`, `message` and the queued batch's `data`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BatchAccepted = Schema.Struct({
  status: Schema.String,
  message: Schema.String,
  data: BatchAcceptedData,
}).annotations({ identifier: "BatchAccepted" })
/**
 * A `BatchAccepted` body as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type BatchAccepted = typeof BatchAccepted.Type
