/**
 * Receives the CRM's batch reports and provides them as core's `BatchResults`.
 *
 * An HTTP server listens on a configured address and serves one path that holds a random token,
 * so that only whoever was given the URL can post reports; any other path is 404. A report is
 * acknowledged (204) as soon as it decodes, bodies over `maxBodyBytes` are refused (413), and a
 * repeated delivery of the same batch is acknowledged again without changing anything.
 *
 * @since 0.1.0
 * @module
 */
import { createServer } from "node:http"
import { randomBytes } from "node:crypto"
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer, NodeHttpServerRequest } from "@effect/platform-node"
import { BatchReport, BatchResults } from "@brainsync/core"
import { type ConfigError, Data, Effect, Either, Layer, Schema, type Scope } from "effect"
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
    const inbox = ReportInbox.make(options.maxHeldReports ?? 10_000)
    const secretPath = `/webhooks/${randomBytes(24).toString("base64url")}`

    const app = Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = request.url.split("?")[0]
      if (path !== secretPath) return HttpServerResponse.empty({ status: 404 })
      if (request.method !== "POST")
        return HttpServerResponse.empty({ status: 405, headers: { allow: "POST" } })
      const body = yield* BoundedBody.read(NodeHttpServerRequest.toIncomingMessage(request), maxBodyBytes)
      if (body._tag === "TooLarge") return HttpServerResponse.empty({ status: 413 })
      const report = decodeReport(body.text)
      if (Either.isLeft(report)) return HttpServerResponse.text("not a batch report", { status: 400 })
      inbox.deliver(report.right)
      return HttpServerResponse.empty({ status: 204 })
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
    Effect.map(readAll(options, ["host", "port", "publicUrl", "maxBodyBytes", "maxHeldReports"]), layer),
  )
