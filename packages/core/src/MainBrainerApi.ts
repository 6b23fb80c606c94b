/**
 * The `HttpApi` definition of the MainBrainer endpoint: the single source from which the client,
 * the sandbox server and `docs/openapi.json` are derived.
 *
 * @since 0.1.0
 * @module
 */
import {
  HttpApi,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSecurity,
  OpenApi,
} from "@effect/platform"
import {
  BadRequest,
  Conflict,
  NotAcceptable,
  RateLimited,
  ServerError,
  Unauthorized,
  Unprocessable,
} from "./ApiError.js"
import { BatchAccepted } from "./BatchAccepted.js"
import { BatchRequest } from "./BatchRequest.js"

/**
 * Bearer authentication; a request without a known token fails with `Unauthorized` (401).
 *
 * @since 0.1.0
 * @category middleware
 */
export class Authorization extends HttpApiMiddleware.Tag<Authorization>()("@brainsync/core/Authorization", {
  failure: Unauthorized,
  security: { bearer: HttpApiSecurity.bearer },
}) {}

/**
 * `POST /contacts/batch`: a `BatchRequest` in, the `BatchAccepted` body (202) or one of the
 * contract's errors out.
 *
 * @since 0.1.0
 * @category api
 */
export const upsertBatch = HttpApiEndpoint.post("upsertBatch", "/contacts/batch")
  .setPayload(BatchRequest)
  .addSuccess(BatchAccepted, { status: 202 })
  .addError(BadRequest)
  .addError(NotAcceptable)
  .addError(Conflict)
  .addError(Unprocessable)
  .addError(RateLimited)
  .addError(ServerError)
  .annotate(OpenApi.Summary, "Create or Update a Batch of Contacts in the MainBrainer CRM")
  .annotate(
    OpenApi.Description,
    "Upserts (inserts or updates) a batch of up to 1000 contacts (100 or fewer recommended). " +
      "In an update, fields omitted from the request remain as they were. The batch is processed " +
      "asynchronously: per-contact results are posted to the batch's webHookUrl.",
  )

/**
 * The `contacts` group: `upsertBatch`, behind `Authorization`.
 *
 * @since 0.1.0
 * @category api
 */
export class ContactsGroup extends HttpApiGroup.make("contacts").add(upsertBatch).middleware(Authorization) {}

/**
 * The whole API, with the title and version of its OpenAPI document.
 *
 * @since 0.1.0
 * @category api
 */
export class MainBrainerApi extends HttpApi.make("MainBrainer")
  .add(ContactsGroup)
  .annotate(OpenApi.Title, "MainBrainer CRM — Contacts Insert and Update (Batch)")
  .annotate(OpenApi.Version, "1.0.0") {}
