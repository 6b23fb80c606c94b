/**
 * The body of `POST /contacts/batch`.
 *
 * @since 0.1.0
 * @module
 */
import { Schema } from "effect"
import { Contact } from "./Contact.js"

/**
 * The most contacts the CRM takes in one request.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_BATCH_SIZE = 1000

/**
 * The batch size the CRM recommends for performance.
 *
 * @since 0.1.0
 * @category constants
 */
export const RECOMMENDED_BATCH_SIZE = 100

/**
 * The largest request body a sync sends by default, in bytes of its JSON text (UTF-8): 4 MiB.
 * The contract names no limit; the sandbox refuses a body above 5 MiB with a 400, and so would a
 * CRM behind a proxy with a body limit. A batch that would pass it is split before it is sent.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024

/**
 * The request body: the list the contacts go to, 1 to `MAX_BATCH_SIZE` contacts to create or
 * update, and the URL the CRM posts the batch's report to.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BatchRequest = Schema.Struct({
  listId: Schema.optional(Schema.NullOr(Schema.UUID)),
  createUpdateContacts: Schema.Array(Contact).pipe(Schema.minItems(1), Schema.maxItems(MAX_BATCH_SIZE)),
  webHookUrl: Schema.optional(Schema.NullOr(Schema.String)),
}).annotations({ identifier: "BatchRequest" })
/**
 * A `BatchRequest` as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type BatchRequest = typeof BatchRequest.Type
