/** Settlement.announcing: the results service hears of each batch the moment its 202 comes. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Settlement from "../src/internal/settlement.js"
import { ApiError, type BatchResults, ContactSink } from "../src/index.js"

const LIST = "9fc6ad7d-902a-4834-b161-a4911b883d44"

const recordingResults = () => {
  const told: Array<BatchResults.Expected> = []
  const results: BatchResults.Service = {
    webHookUrl: "http://127.0.0.1:1/hook",
    await: () => Effect.succeed(Option.none()),
    expect: (batch) => Effect.sync(() => void told.push(batch)),
  }
  return { results, told }
}

describe("Settlement.announcing", () => {
  it.effect("tells each accepted request's batch id, list and contactIds as sent", () =>
    Effect.gen(function* () {
      const memory = yield* ContactSink.makeMemory
      const { results, told } = recordingResults()
      const sink = Settlement.announcing(memory.service, results)
      yield* sink.upsert({
        listId: LIST,
        createUpdateContacts: [{ email: "a@example.com" }, { contactId: 4294967300, email: "b@example.com" }],
      })
      yield* sink.upsert({ createUpdateContacts: [{ email: "c@example.com" }] })
      expect(told).toEqual([
        { batchId: "memory-1", listId: LIST, contactIds: [undefined, 4294967300] },
        { batchId: "memory-2", listId: null, contactIds: [undefined] },
      ])
    }),
  )

  it.effect("tells nothing of a request that was refused, and leaves a sink alone without expect", () =>
    Effect.gen(function* () {
      const { results, told } = recordingResults()
      const refusing: ContactSink.Service = {
        upsert: () => Effect.fail(new ApiError.Unprocessable({ message: "no", errors: [] })),
      }
      const sink = Settlement.announcing(refusing, results)
      yield* Effect.flip(sink.upsert({ createUpdateContacts: [{ email: "a@example.com" }] }))
      expect(told).toEqual([])
      expect(Settlement.announcing(refusing, { ...results, expect: undefined })).toBe(refusing)
      expect(Settlement.announcing(refusing, undefined)).toBe(refusing)
    }),
  )
})
