/**
 * A local MainBrainer-compatible server (a sandbox, like stripe-mock): `POST /contacts/batch`
 * from core's `MainBrainerApi`, SQLite storage, asynchronous application of accepted batches,
 * webhook reports, rate limiting and injected faults. `Sandbox.layer(options)` runs it
 * in-process; `SandboxCommand` runs it from the command line.
 *
 * @since 0.1.0
 * @module
 */
import { createServer } from "node:http"
import { Reactivity } from "@effect/experimental"
import { FetchHttpClient, HttpClient, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Clock, Context, Data, Duration, Effect, Layer, Queue, Redacted, Schedule, type Scope } from "effect"
import * as Fixtures from "./Fixtures.js"
import { DEFAULT_TOKEN } from "./internal/defaults.js"
import * as Faults from "./internal/faults.js"
import * as Http from "./internal/http.js"
import * as RateLimiter from "./internal/rateLimiter.js"
import * as RequestStats from "./internal/stats.js"
import * as Store from "./internal/store.js"
import * as Validate from "./internal/validate.js"
import * as Webhook from "./internal/webhook.js"
import * as Worker from "./internal/worker.js"

export type { StoredBatch, StoredContact, StoredProperty, WebhookState } from "./internal/store.js"

export { DEFAULT_TOKEN }

/**
 * How the sandbox listens, stores, limits and misbehaves; every option has a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default `127.0.0.1`. */
  readonly host?: string | undefined
  /** Default 0 (a free port). The command's default is 4010. */
  readonly port?: number | undefined
  /** A SQLite file; default in memory. With a file, a restart resumes unapplied batches. */
  readonly db?: string | undefined
  /** Accepted bearer tokens; default `["sandbox-token"]`. The first is the service's `token`. */
  readonly tokens?: ReadonlyArray<string> | undefined
  /** Lists and property catalogue; default `Fixtures.defaults`. */
  readonly fixtures?: Fixtures.Fixtures | undefined
  /** Delay between accepting a batch and applying it; default 200 ms. */
  readonly processingDelay?: Duration.DurationInput | undefined
  /** Requests per second per token; default 20; 0 turns the limit off. */
  readonly rateLimit?: number | undefined
  /** Hosts that may receive webhooks (`*` for any); default loopback only. */
  readonly webhookAllow?: ReadonlyArray<string> | undefined
  /** Delivery attempts per webhook; default 5. */
  readonly webhookAttempts?: number | undefined
  /** First retry delay, doubled at each attempt; default 200 ms. */
  readonly webhookBackoff?: Duration.DurationInput | undefined
  /** Probability of a 500 before anything is applied; default 0. */
  readonly failRate?: number | undefined
  /** Probability that the connection is destroyed with no response; default 0. */
  readonly resetRate?: number | undefined
  /** Probability that an accepted batch's connection is destroyed before the 202 is sent; default 0. */
  readonly dropResponseRate?: number | undefined
  /** Added delay per request: `"A-B"` ms, or `[A, B]`; default none. */
  readonly latency?: string | readonly [number, number] | undefined
  /** Seed of the fault generator; default 1. */
  readonly seed?: number | undefined
}

/**
 * What the sandbox has seen: requests, contacts held, batches queued and applied, and webhook
 * deliveries.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  readonly requests: RequestStats.RequestStats
  readonly contacts: number
  readonly batches: { readonly queued: number; readonly applied: number }
  readonly webhooks: {
    readonly delivered: number
    readonly refused: number
    readonly failed: number
    readonly pending: number
  }
}

/**
 * A running sandbox: where it is, its token and list, and what it holds.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Base URL, e.g. `http://127.0.0.1:4010` (no trailing slash). */
  readonly url: string
  readonly port: number
  /** The first accepted bearer token. */
  readonly token: Redacted.Redacted<string>
  /** The account's default list id. */
  readonly listId: string
  readonly fixtures: Fixtures.Fixtures
  readonly stats: Effect.Effect<Stats>
  /** Contacts in contactId order (all of them, or one list's). */
  readonly contacts: (listId?: string) => Effect.Effect<ReadonlyArray<Store.StoredContact>>
  readonly batch: (batchId: string) => Effect.Effect<Store.StoredBatch | undefined>
  /** Waits until every accepted batch is applied and no webhook delivery is pending. */
  readonly awaitIdle: Effect.Effect<void>
  /** Deletes every contact and batch and clears the request counters and rate-limit buckets. */
  readonly reset: Effect.Effect<void>
}

/**
 * The sandbox service, provided by `layer`.
 *
 * @since 0.1.0
 * @category services
 */
export class Sandbox extends Context.Tag("@brainsync/sandbox/Sandbox")<Sandbox, Service>() {}

/**
 * The sandbox could not start: bad options, a database it cannot open or prepare, an address it
 * cannot listen on.
 *
 * @since 0.1.0
 * @category errors
 */
export class SandboxError extends Data.TaggedError("SandboxError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

const resolveLatency = (latency: Options["latency"]): readonly [number, number] | SandboxError => {
  if (latency === undefined) return [0, 0]
  if (typeof latency !== "string") return latency
  return (
    Faults.parseLatency(latency) ??
    new SandboxError({ message: `latency must be "A-B" milliseconds, got "${latency}"` })
  )
}

/**
 * The sandbox is a real server: it runs on the wall clock even inside a test that provides
 * `TestClock` (`it.effect`), so processing delays, backoffs and `awaitIdle` never stall.
 */
const wallClock = Clock.make()

/**
 * Starts a sandbox in the current scope; it stops when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, SandboxError, Scope.Scope> =>
  Effect.withClock(makeOnWallClock(options), wallClock)

const makeOnWallClock = (options: Options): Effect.Effect<Service, SandboxError, Scope.Scope> =>
  Effect.gen(function* () {
    const latency = resolveLatency(options.latency)
    if (latency instanceof SandboxError) return yield* latency
    const fixtures = options.fixtures ?? Fixtures.defaults
    const tokens =
      options.tokens !== undefined && options.tokens.length > 0 ? options.tokens : [DEFAULT_TOKEN]
    const catalogue = Validate.catalogue(fixtures)
    const delay = Duration.decode(options.processingDelay ?? 200)
    const store = yield* openStore(options.db, catalogue)
    const deliver = Webhook.make(
      {
        allow: options.webhookAllow ?? Webhook.LOOPBACK_HOSTS,
        attempts: options.webhookAttempts ?? 5,
        backoff: Duration.decode(options.webhookBackoff ?? 200),
        timeout: Duration.seconds(5),
      },
      store,
      yield* webhookClient,
    )
    const counters = RequestStats.make()
    const limiter = RateLimiter.make(options.rateLimit ?? 20)
    const signal = yield* Queue.sliding<void>(1)
    yield* Worker.start(store, deliver, signal, delay)

    const stats = statsOf(store, counters)
    const reset = store.reset.pipe(
      Effect.tap(() => {
        counters.reset()
        limiter.reset()
      }),
      Effect.orDie,
    )
    const address = yield* listen(options, {
      store,
      catalogue,
      tokens: new Set(tokens),
      limiter,
      drawFault: Faults.make({
        failRate: options.failRate ?? 0,
        resetRate: options.resetRate ?? 0,
        dropResponseRate: options.dropResponseRate ?? 0,
        latency,
        seed: options.seed ?? 1,
      }),
      counters,
      wake: Queue.offer(signal, undefined).pipe(Effect.asVoid),
      stats,
      reset,
    })

    return Sandbox.of({
      url: `http://${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port}`,
      port: address.port,
      token: Redacted.make(tokens[0]!),
      listId: fixtures.lists[0].listId,
      fixtures,
      stats,
      contacts: (listId) => allContacts(store, listId),
      batch: (batchId) => Effect.orDie(store.batch(batchId)),
      awaitIdle: stats.pipe(
        Effect.repeat({
          schedule: Schedule.spaced("10 millis"),
          until: (s) => s.batches.queued === 0 && s.webhooks.pending === 0,
        }),
        Effect.asVoid,
        Effect.withClock(wallClock),
      ),
      reset,
    })
  })

/** The store on a SQLite database (`db`, or in memory), open for the scope. */
const openStore = (
  db: string | undefined,
  catalogue: Validate.Catalogue,
): Effect.Effect<Store.Store, SandboxError, Scope.Scope> =>
  Effect.gen(function* () {
    const sqlContext = yield* Layer.build(
      SqliteClient.layer({ filename: db ?? ":memory:" }).pipe(Layer.provide(Reactivity.layer)),
    ).pipe(
      // better-sqlite3 throws (a defect here) when the file cannot be opened.
      Effect.catchAllCause((cause) =>
        Effect.fail(new SandboxError({ message: `cannot open the database ${db ?? ":memory:"}`, cause })),
      ),
    )
    return yield* Store.make(catalogue).pipe(
      Effect.provide(sqlContext),
      Effect.mapError(
        (cause) => new SandboxError({ message: `cannot prepare the database ${db ?? ""}`, cause }),
      ),
    )
  })

/** The client webhooks are posted with. Redirects are not followed: a redirect could lead a webhook to a host outside the allow-list. */
const webhookClient: Effect.Effect<HttpClient.HttpClient> = HttpClient.HttpClient.pipe(
  Effect.provide(FetchHttpClient.layer),
  Effect.map(
    HttpClient.transform((response) =>
      Effect.provideService(response, FetchHttpClient.RequestInit, { redirect: "manual" }),
    ),
  ),
)

const statsOf = (store: Store.Store, counters: RequestStats.Counters): Effect.Effect<Stats> =>
  store.counts.pipe(
    Effect.map((counts) => ({
      requests: counters.snapshot(),
      contacts: counts.contacts,
      batches: { queued: counts.queued, applied: counts.applied },
      webhooks: {
        delivered: counts.delivered,
        refused: counts.refused,
        failed: counts.failed,
        pending: counts.pending,
      },
    })),
    Effect.orDie,
  )

/** Serves the sandbox's HTTP surface on `options.host` and `options.port` for the scope; where it listens. */
const listen = (
  options: Options,
  deps: Http.Deps,
): Effect.Effect<{ readonly host: string; readonly port: number }, SandboxError, Scope.Scope> =>
  Effect.gen(function* () {
    const serverContext = yield* Layer.build(
      NodeHttpServer.layer(createServer, { host: options.host ?? "127.0.0.1", port: options.port ?? 0 }),
    ).pipe(Effect.mapError((cause) => new SandboxError({ message: "cannot listen", cause })))
    yield* Layer.build(Http.layer(deps)).pipe(Effect.provide(serverContext))
    const address = Context.get(serverContext, HttpServer.HttpServer).address
    return address._tag === "TcpAddress"
      ? { host: address.hostname, port: address.port }
      : { host: "127.0.0.1", port: 0 }
  })

/** Every contact in contactId order (of one list, or all), read a page at a time. */
const allContacts = (store: Store.Store, listId: string | undefined) =>
  Effect.gen(function* () {
    const all: Array<Store.StoredContact> = []
    let cursor = 0
    for (;;) {
      const page = yield* store.contacts({ listId, cursor, limit: 1000 })
      all.push(...page)
      const last = page[page.length - 1]
      if (last === undefined || page.length < 1000) return all
      cursor = Number(last.contactId)
    }
  }).pipe(Effect.orDie)

/**
 * A sandbox running for the lifetime of the layer.
 *
 * @example
 * ```ts
 * import { MainBrainer } from "@brainsync/adapters-http"
 * import { Sandbox } from "@brainsync/sandbox"
 * import { Effect, Layer } from "effect"
 *
 * // A CRM of your own for a test: the sink points at it
 * const CrmLive = Layer.unwrapEffect(
 *   Effect.map(Sandbox.Sandbox, (sandbox) =>
 *     MainBrainer.layer({ baseUrl: sandbox.url, token: sandbox.token }),
 *   ),
 * ).pipe(Layer.provideMerge(Sandbox.layer({ processingDelay: "10 millis" })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Sandbox, SandboxError> =>
  Layer.scoped(Sandbox, make(options))
