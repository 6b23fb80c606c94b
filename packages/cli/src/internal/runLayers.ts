/**
 * The layers a real run needs, made from the configuration: the MainBrainer sink (with the token,
 * the rate limit, the timeout) and, when `results` asks for one, the webhook receiver that gets
 * each contact's final result. Each adapter is imported when its layer is built, so a dry run
 * loads no HTTP stack.
 */
import type { SinkConfigError } from "@brainsync/adapters-http/MainBrainer"
import type { WebhookReceiverError } from "@brainsync/adapters-http/WebhookReceiver"
import type { BatchResults, ContactSink } from "@brainsync/core"
import { Effect, type Layer, type Redacted } from "effect"
import type * as SyncConfig from "../SyncConfig.js"
import * as Lazy from "./lazy.js"

/** A configuration the sink or the webhook receiver cannot use. */
export type LayerError = SinkConfigError | WebhookReceiverError

/** The CRM's sink for `config.crm`, sending with `token`. */
export const sink = (
  config: SyncConfig.SyncConfig,
  token: Redacted.Redacted<string>,
): Layer.Layer<ContactSink.ContactSink, SinkConfigError> =>
  Lazy.layer(
    () => import("@brainsync/adapters-http/MainBrainer"),
    (MainBrainer) =>
      MainBrainer.layer({
        baseUrl: config.crm.baseUrl,
        token,
        requestsPerSecond: config.requestsPerSecond,
        timeout: config.crm.timeoutSeconds === undefined ? undefined : `${config.crm.timeoutSeconds} seconds`,
        allowInsecureToken: config.crm.allowInsecureToken,
      }),
  )

/** `"host:port"` → the host, without an IPv6 address's brackets. */
export const hostOf = (listen: string) => {
  const host = listen.slice(0, listen.lastIndexOf(":"))
  return host.startsWith("[") ? host.slice(1, -1) : host
}

/** `"host:port"` → the port. */
export const portOf = (listen: string) => Number(listen.slice(listen.lastIndexOf(":") + 1))

/** The webhook receiver `config.results` asks for; `undefined` when rows end accepted on the 202. */
export const results = (
  config: SyncConfig.SyncConfig,
): Layer.Layer<BatchResults.BatchResults, WebhookReceiverError> | undefined => {
  const results = config.results
  if (results === undefined || results === "none") return undefined
  const { listen, publicUrl } = results.webhook
  return Lazy.layer(
    () => import("@brainsync/adapters-http/WebhookReceiver"),
    (WebhookReceiver) => WebhookReceiver.layer({ host: hostOf(listen), port: portOf(listen), publicUrl }),
  )
}

/** Runs `effect` with the webhook receiver (when configured) and the sink. */
export const provide = <A, E>(
  effect: Effect.Effect<A, E, ContactSink.ContactSink>,
  config: SyncConfig.SyncConfig,
  token: Redacted.Redacted<string>,
): Effect.Effect<A, E | LayerError> => {
  const receiver = results(config)
  const withResults: Effect.Effect<A, E | WebhookReceiverError, ContactSink.ContactSink> =
    receiver === undefined ? effect : Effect.provide(effect, receiver)
  return Effect.provide(withResults, sink(config, token))
}
