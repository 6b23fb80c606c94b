import { Sandbox } from "@brainsync/sandbox"
import { BatchResults, ContactSink } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option, Redacted } from "effect"
import * as SyncConfig from "../src/SyncConfig.js"
import * as Layers from "../src/internal/runLayers.js"

const configOf = (fields: Record<string, unknown>) =>
  Either.getOrThrow(
    SyncConfig.decode({
      name: "layers",
      crm: { baseUrl: "http://127.0.0.1:9", listId: "9fc6ad7d-902a-4834-b161-a4911b883d44" },
      source: { kind: "csv", path: "contacts.csv" },
      key: "id",
      fields: { email: "email" },
      ...fields,
    }),
  )

describe("runLayers: the sink and the webhook receiver a configuration asks for", () => {
  it("reads host and port from listen, without an IPv6 address's brackets", () => {
    expect([Layers.hostOf("127.0.0.1:8787"), Layers.portOf("127.0.0.1:8787")]).toEqual(["127.0.0.1", 8787])
    expect([Layers.hostOf("[::1]:0"), Layers.portOf("[::1]:0")]).toEqual(["::1", 0])
    expect(Layers.hostOf("localhost:9")).toBe("localhost")
  })

  it("has no receiver when results is absent or none", () => {
    expect(Layers.results(configOf({}))).toBeUndefined()
    expect(Layers.results(configOf({ results: "none" }))).toBeUndefined()
    expect(Layers.results(configOf({ results: { webhook: { listen: "127.0.0.1:0" } } }))).toBeDefined()
  })

  it.scopedLive(
    "sends through the sink to the configured CRM and gets the batch's report through the receiver",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make({ processingDelay: 10, rateLimit: 0 })
        const config = configOf({
          crm: { baseUrl: sandbox.url, listId: sandbox.listId },
          results: { webhook: { listen: "127.0.0.1:0" } },
        })
        const report = yield* Layers.provide(
          Effect.gen(function* () {
            const sink = yield* ContactSink.ContactSink
            const results = yield* BatchResults.optional
            if (Option.isNone(results)) return Option.none()
            const accepted = yield* sink.upsert({
              listId: sandbox.listId,
              createUpdateContacts: [{ email: "layers@example.com" }],
              webHookUrl: results.value.webHookUrl,
            })
            // The receiver takes only the report of a batch it was told, as Sync.run tells it.
            yield* (
              results.value.expect?.({
                batchId: accepted.data.batchId,
                listId: sandbox.listId,
                contactIds: [undefined],
              }) ?? Effect.void
            )
            return yield* results.value.await(accepted.data.batchId, "10 seconds")
          }),
          config,
          sandbox.token,
        )
        expect(Option.map(report, (found) => found.inserted.count)).toEqual(Option.some(1))
        expect((yield* sandbox.contacts(sandbox.listId)).map((contact) => contact.email)).toContain(
          "layers@example.com",
        )
      }),
  )

  it.scoped("without results the effect sees no receiver", () =>
    Effect.gen(function* () {
      const seen = yield* Layers.provide(BatchResults.optional, configOf({}), Redacted.make("token"))
      expect(Option.isNone(seen)).toBe(true)
    }),
  )

  it.scoped("a sink the configuration makes unusable fails with its SinkConfigError", () =>
    Effect.gen(function* () {
      const config = configOf({
        crm: { baseUrl: "http://crm.example.com", listId: "9fc6ad7d-902a-4834-b161-a4911b883d44" },
      })
      const error = yield* Effect.flip(Layers.provide(Effect.void, config, Redacted.make("token")))
      expect(error._tag).toBe("SinkConfigError")
      expect(error.message).toMatch(
        /refusing to send the bearer token over plain http:\/\/ to crm\.example\.com/,
      )
    }),
  )
})
