/** Which rate limiter the MainBrainer sink paces with, and what it tells it after a 429. */
import { ContactSink, RateLimiter } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Redacted } from "effect"
import { MainBrainer } from "../src/index.js"
import * as Server from "./fixtures/ScriptedServer.js"

const answers: Record<string, Server.Answer> = {
  ok: Server.json(202, ContactSink.acceptedBody("b-1", 1)),
  limited: Server.json(429, { message: "slow down" }, { "retry-after": "7" }),
}
const batch = { createUpdateContacts: [{ email: "ada@example.com" }] }

/** A limiter that paces nothing, and counts its requests and keeps its pauses (in milliseconds). */
const counting = () => {
  const seen = { requests: 0, pauses: [] as Array<number> }
  const limiter: RateLimiter.Service = {
    run: (request) =>
      Effect.suspend(() => {
        seen.requests++
        return request
      }),
    pause: (duration) =>
      Effect.sync(() => void seen.pauses.push(Duration.toMillis(Duration.decode(duration)))),
  }
  return { limiter, seen }
}

const sinkOf = <E>(layer: Layer.Layer<ContactSink.ContactSink, E>) =>
  Effect.map(Layer.build(layer), Context.get(ContactSink.ContactSink))

describe("the sink's rate limiter", () => {
  it.scopedLive("is none without requestsPerSecond or a RateLimiter provided", () =>
    Effect.gen(function* () {
      const server = yield* Server.make(answers)
      const sink = yield* sinkOf(
        MainBrainer.layer({ baseUrl: `${server.url}/ok`, token: Redacted.make("t") }),
      )
      expect(sink.limiter).toBeUndefined()
      yield* sink.upsert(batch)
    }),
  )

  it.scopedLive("is the RateLimiter provided: every request runs through it, and a 429 pauses it", () =>
    Effect.gen(function* () {
      const server = yield* Server.make(answers)
      const { limiter, seen } = counting()
      const layerAt = (scenario: string) =>
        MainBrainer.layer({ baseUrl: `${server.url}/${scenario}`, token: Redacted.make("t") }).pipe(
          Layer.provide(Layer.succeed(RateLimiter.RateLimiter, limiter)),
        )
      const sink = yield* sinkOf(layerAt("ok"))
      expect(sink.limiter).toBe(limiter)
      yield* sink.upsert(batch)
      const limited = yield* sinkOf(layerAt("limited"))
      expect(yield* Effect.flip(limited.upsert(batch))).toMatchObject({
        _tag: "RateLimited",
        retryAfterSeconds: 7,
      })
      expect(seen).toEqual({ requests: 2, pauses: [7000] })
    }),
  )

  it.scopedLive("is its own with requestsPerSecond, validated as every RateLimiter is", () =>
    Effect.gen(function* () {
      const { limiter } = counting()
      const provided = Layer.succeed(RateLimiter.RateLimiter, limiter)
      const options = { baseUrl: "http://127.0.0.1:1", token: Redacted.make("t") }
      const sink = yield* sinkOf(
        MainBrainer.layer({ ...options, requestsPerSecond: 5 }).pipe(Layer.provide(provided)),
      )
      expect(sink.limiter).toBeDefined()
      expect(sink.limiter).not.toBe(limiter)
      const refused = yield* Effect.flip(sinkOf(MainBrainer.layer({ ...options, requestsPerSecond: 0 })))
      expect(refused).toMatchObject({
        _tag: "SinkConfigError",
        reason: "InvalidRate",
        message: RateLimiter.problems({ requestsPerSecond: 0 })[0],
      })
    }),
  )
})
