/** The body of `POST /contacts/batch`. */
import { Schema } from "effect"
import { Contact } from "./Contact.js"

/** The most contacts the CRM takes in one request. */
export const MAX_BATCH_SIZE = 1000

/** The batch size the CRM recommends for performance. */
export const RECOMMENDED_BATCH_SIZE = 100

export const BatchRequest = Schema.Struct({
  listId: Schema.optional(Schema.NullOr(Schema.UUID)),
  createUpdateContacts: Schema.Array(Contact).pipe(Schema.minItems(1), Schema.maxItems(MAX_BATCH_SIZE)),
  webHookUrl: Schema.optional(Schema.NullOr(Schema.String)),
}).annotations({ identifier: "BatchRequest" })
export type BatchRequest = typeof BatchRequest.Type
