/** The sink's reading of lost responses, against the sandbox's own faults. */
import { ContactSink } from "@brainsync/core"
import { Sandbox } from "@brainsync/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { MainBrainer } from "../src/index.js"

const sinkOn = (options: Sandbox.Options) =>
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.make({ processingDelay: 0, rateLimit: 0, ...options })
    const sink = Context.get(
      yield* Layer.build(MainBrainer.layer({ baseUrl: sandbox.url, token: sandbox.token })),
      ContactSink.ContactSink,
    )
    const upsert = sink.upsert({
      listId: sandbox.listId,
      createUpdateContacts: [{ email: "ada@example.com" }],
    })
    return { sandbox, upsert }
  })

describe("the sink against the sandbox's faults", () => {
  it.scopedLive("a 202 lost on the way is maybe applied, and it was", () =>
    Effect.gen(function* () {
      const { sandbox, upsert } = yield* sinkOn({ dropResponseRate: 1 })
      expect(yield* Effect.flip(upsert)).toMatchObject({
        _tag: "TransportError",
        reason: "ResponseLost",
        maybeApplied: true,
      })
      yield* sandbox.awaitIdle
      expect((yield* sandbox.stats).contacts).toBe(1)
    }),
  )

  it.scopedLive(
    "a connection reset without an answer is also maybe applied: the client cannot tell it apart",
    () =>
      Effect.gen(function* () {
        const { sandbox, upsert } = yield* sinkOn({ resetRate: 1 })
        expect(yield* Effect.flip(upsert)).toMatchObject({ _tag: "TransportError", maybeApplied: true })
        yield* sandbox.awaitIdle
        expect((yield* sandbox.stats).contacts).toBe(0)
      }),
  )

  it.scopedLive("a 500 is a ServerError: nothing applied", () =>
    Effect.gen(function* () {
      const { sandbox, upsert } = yield* sinkOn({ failRate: 1 })
      expect((yield* Effect.flip(upsert))._tag).toBe("ServerError")
      yield* sandbox.awaitIdle
      expect((yield* sandbox.stats).contacts).toBe(0)
    }),
  )

  it.scopedLive("the sandbox's 429 comes back with its Retry-After", () =>
    Effect.gen(function* () {
      const { upsert } = yield* sinkOn({ rateLimit: 1 })
      yield* upsert
      expect(yield* Effect.flip(upsert)).toMatchObject({ _tag: "RateLimited", retryAfterSeconds: 1 })
    }),
  )
})
