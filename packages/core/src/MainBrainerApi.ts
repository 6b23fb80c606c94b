/**
 * The `HttpApi` definition of the MainBrainer endpoint: the sandbox server and `docs/openapi.json`
 * are built from it. The client (`MainBrainer` in `@brainsync/adapters-http`) is not an
 * `HttpApiClient`, since it must read bodies the contract does not promise; it decodes errors with
 * the same schemas, and reads each status as `upsertBatchErrors`, derived from this definition,
 * says.
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
import { Option, SchemaAST } from "effect"
import {
  ApiError,
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

/**
 * The error each documented error status of `upsertBatch` stands for (its own errors and its
 * middleware's), as this definition declares it: how a client reads an answer's status. A status
 * that is not here is not documented.
 *
 * @since 0.1.0
 * @category api
 */
export const upsertBatchErrors: ReadonlyMap<number, ApiError["_tag"]> = (() => {
  const table = new Map<number, ApiError["_tag"]>()
  HttpApi.reflect(MainBrainerApi, {
    predicate: ({ endpoint }) => endpoint.name === upsertBatch.name,
    onGroup: () => {},
    onEndpoint: ({ errors }) => {
      for (const [status, { ast }] of errors) {
        if (Option.isNone(ast)) continue
        const members = SchemaAST.isUnion(ast.value) ? ast.value.types : [ast.value]
        // The definition's own `HttpApiDecodeError` (also 400) is not one of the contract's errors.
        const error = ApiError.members.find((member) => members.includes(member.ast))
        if (error !== undefined) table.set(status, error._tag)
      }
    },
  })
  return table
})()
