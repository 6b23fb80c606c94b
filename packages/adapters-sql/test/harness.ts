/** End-to-end helpers: a real sandbox on 127.0.0.1, the real HTTP sink and webhook receiver, a ledger file. */
import { MainBrainer, WebhookReceiver } from "@brainsync/adapters-http"
import { BatchResults, ContactSink, Sync } from "@brainsync/core"
import { Sandbox } from "@brainsync/sandbox"
import { Effect, Layer, type Scope } from "effect"
import { LIST, mapping, type Person, source } from "./fixtures/people.js"
import { SqlLedger } from "../src/index.js"

export { LIST, mapping, people, type Person, source } from "./fixtures/people.js"

export interface Crm {
  readonly sandbox: Sandbox.Service
  /** The HTTP sink to the sandbox and a webhook receiver for its reports. */
  readonly layer: Layer.Layer<ContactSink.ContactSink | BatchResults.BatchResults>
  readonly requests: Effect.Effect<number>
  /** The sandbox's contacts of the list as people (after every accepted batch was applied). */
  readonly people: Effect.Effect<ReadonlyArray<Person>>
}

export const crm = (options: Sandbox.Options = {}): Effect.Effect<Crm, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.make({ processingDelay: 0, rateLimit: 0, ...options })
    const receiver = yield* WebhookReceiver.make()
    const sink = yield* Layer.build(MainBrainer.layer({ baseUrl: sandbox.url, token: sandbox.token }))
    const layer = Layer.mergeAll(
      Layer.succeedContext(sink),
      Layer.succeed(BatchResults.BatchResults, receiver),
    )
    return {
      sandbox,
      layer,
      requests: Effect.map(sandbox.stats, (stats) => stats.requests.total),
      people: Effect.zipRight(
        sandbox.awaitIdle,
        Effect.map(sandbox.contacts(LIST), (contacts) =>
          contacts
            .map((contact) => ({
              id: "",
              email: contact.email ?? "",
              first: contact.properties.find((p) => p.propertyName === "First Name")?.propertyValue ?? "",
            }))
            .sort((a, b) => a.email.localeCompare(b.email)),
        ),
      ),
    }
  })

/** The people as the sandbox shows them (no ids: the sandbox does not know the sync key). */
export const asStored = (rows: ReadonlyArray<Person>) =>
  rows
    .map((row) => ({ id: "", email: row.email, first: row.first }))
    .sort((a, b) => a.email.localeCompare(b.email))

export const NAME = "crm-contacts"

export const sync = (
  target: Crm,
  ledgerFile: string,
  rows: ReadonlyArray<Person>,
  options: Partial<Sync.Options<never, never>> = {},
) =>
  Sync.run({ name: NAME, source: source(rows), mapping, retryBaseDelay: "1 millis", ...options }).pipe(
    Effect.provide(Layer.merge(SqlLedger.layerSqlite(ledgerFile), target.layer)),
  )
