/**
 * Receives the CRM's batch reports and provides them as core's `BatchResults`.
 *
 * An HTTP server listens on a configured address and serves one path that holds a random token,
 * so that only whoever was given the URL can post reports; any other path is 404. The path is a
 * secret, but a URL leaks (proxies, logs, the CRM's side), so a report is also checked against
 * the batch it claims (`BatchResults.check`): the batch id of the 202, the list, one result per
 * contact, tallies that add up, and the contactId of each row sent with one. A report that fits
 * is taken (204); one that does not is refused (422) and never applied, and the CRM's own report
 * that comes after it is still taken. The first report that fits a batch wins: the batch's rows
 * settle by it, so the same report again is acknowledged (204) and a different one refused (409).
 * A report for a batch the pipeline has not told yet is refused (404; `unknownBatchWait` can hold
 * it a while first), and the CRM delivers it again. Bodies over `maxBodyBytes` are refused (413), others that are no report (400).
 * Every refusal is counted, and the run's report tells them (`reportsRefused`).
 *
 * @since 0.1.0
 * @module
 */
import { createServer } from "node:http"
import { randomBytes } from "node:crypto"
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer, NodeHttpServerRequest } from "@effect/platform-node"
import { BatchReport, BatchResults } from "@brainsync/core"
import { type ConfigError, Data, type Duration, Effect, Either, Layer, Schema, type Scope } from "effect"
import * as BoundedBody from "./internal/boundedBody.js"
import { type Configurable, readAll } from "./internal/configured.js"
import * as ReportInbox from "./internal/reportInbox.js"

/**
 * Where the receiver listens, the URL the CRM reaches it at, and its limits.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The address to listen on (default `127.0.0.1`). */
  readonly host?: string | undefined
  /** The port to listen on (default 0: any free port). */
  readonly port?: number | undefined
  /**
   * The URL the CRM reaches this server at, when that is not its own address (a tunnel, an
   * ingress); the secret path is appended to it. Default: the server's own address.
   */
  readonly publicUrl?: string | undefined
  /** The largest report accepted (default 1 MB). */
  readonly maxBodyBytes?: number | undefined
  /** The most reports held that nobody awaited yet (default 10,000); the oldest go first. */
  readonly maxHeldReports?: number | undefined
  /**
   * How long a report for a batch not yet told waits for it before it is refused (404): the CRM
   * may post a report before the pipeline has handled the batch's 202. Default 0: refused at once,
   * the CRM delivers it again. Holding the CRM's deliveries stalled a 40,000-row run with lost 202s
   * for minutes (its reports for batches the client never saw occupied the sender's connections).
   */
  readonly unknownBatchWait?: Duration.DurationInput | undefined
}

/**
 * The options of `layerConfig`: each one a value or the `Config` to read it from.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigOptions = Configurable<Options>

/**
 * The receiver could not start: it cannot listen on the address.
 *
 * @since 0.1.0
 * @category errors
 */
export class WebhookReceiverError extends Data.TaggedError("WebhookReceiverError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * The receiver: core's `BatchResults.Service`, plus the address it listens on.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service extends BatchResults.Service {
  /** Where the server listens, e.g. `http://127.0.0.1:43121` (without the secret path). */
  readonly listenUrl: string
  readonly expect: (batch: BatchResults.Expected) => Effect.Effect<void>
  readonly takeRefused: Effect.Effect<BatchResults.Refused>
}

const decodeReport = Schema.decodeUnknownEither(Schema.parseJson(BatchReport.BatchReport))

const hostForUrl = (hostname: string) => {
  const host = hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname
  return host.includes(":") ? `[${host}]` : host
}

/**
 * Starts the receiver in the current scope; it stops when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, WebhookReceiverError, Scope.Scope> =>
  Effect.gen(function* () {
    const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024
    const inbox = ReportInbox.make({
      capacity: options.maxHeldReports ?? 10_000,
      unknownBatchWait: options.unknownBatchWait ?? "0 millis",
    })
    const secretPath = `/webhooks/${randomBytes(24).toString("base64url")}`

    const app = Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = request.url.split("?")[0]
      if (path !== secretPath) return HttpServerResponse.empty({ status: 404 })
      if (request.method !== "POST")
        return HttpServerResponse.empty({ status: 405, headers: { allow: "POST" } })
      const body = yield* BoundedBody.read(NodeHttpServerRequest.toIncomingMessage(request), maxBodyBytes)
      const report = body._tag === "TooLarge" ? undefined : decodeReport(body.text)
      const verdict =
        report === undefined
          ? inbox.refuse(413, `the report is larger than ${maxBodyBytes} bytes`)
          : Either.isLeft(report)
            ? inbox.refuse(400, "not a batch report")
            : yield* inbox.receive(report.right)
      return verdict._tag === "Taken"
        ? HttpServerResponse.empty({ status: 204 })
        : HttpServerResponse.text(verdict.reason, { status: verdict.status })
    }).pipe(Effect.catchAll(() => Effect.succeed(HttpServerResponse.empty({ status: 400 }))))

    const server = yield* NodeHttpServer.make(createServer, {
      host: options.host ?? "127.0.0.1",
      port: options.port ?? 0,
    }).pipe(
      Effect.mapError(
        (cause) => new WebhookReceiverError({ message: "the webhook receiver cannot listen", cause }),
      ),
    )
    yield* server.serve(app)

    const address = server.address
    const listenUrl =
      address._tag === "TcpAddress"
        ? `http://${hostForUrl(address.hostname)}:${address.port}`
        : "http://localhost"
    const publicBase = (options.publicUrl ?? listenUrl).replace(/\/+$/, "")

    return {
      listenUrl,
      webHookUrl: `${publicBase}${secretPath}`,
      await: inbox.await,
      expect: inbox.expect,
      takeRefused: inbox.takeRefused,
    }
  })

/**
 * The receiver as core's `BatchResults`, running for the lifetime of the layer.
 *
 * @example
 * ```ts
 * import { CsvSource } from "@brainsync/adapters-csv"
 * import { MainBrainer, WebhookReceiver } from "@brainsync/adapters-http"
 * import { Mapping, Sync } from "@brainsync/core"
 * import { Effect, Layer } from "effect"
 *
 * // Reports reach https://hooks.example.com/webhooks/<secret> through a tunnel to port 8787; with
 * // them, accepted rows end inserted, updated or skipped instead of accepted
 * const program = Sync.run({
 *   name: "crm-contacts",
 *   source: CsvSource.fromFile("export.csv"),
 *   mapping: Mapping.make({ key: "external_id", fields: { email: "email" } }),
 * }).pipe(
 *   Effect.provide(
 *     Layer.merge(
 *       MainBrainer.layerConfig(),
 *       WebhookReceiver.layer({ port: 8787, publicUrl: "https://hooks.example.com" }),
 *     ),
 *   ),
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<BatchResults.BatchResults, WebhookReceiverError> =>
  Layer.scoped(BatchResults.BatchResults, make(options))

/**
 * The receiver from configuration: each option a value or a `Config`, e.g.
 * `{ publicUrl: Config.string("WEBHOOK_PUBLIC_URL") }`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: ConfigOptions = {},
): Layer.Layer<BatchResults.BatchResults, WebhookReceiverError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(
    Effect.map(
      readAll(options, ["host", "port", "publicUrl", "maxBodyBytes", "maxHeldReports", "unknownBatchWait"]),
      layer,
    ),
  )
