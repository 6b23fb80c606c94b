import { Fixtures } from "@brainsync/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { accepted, start } from "./support.js"

const listId = Fixtures.DEFAULT_LIST_ID

/** A batch of one contact whose First Name is `value`'s bytes, spliced raw into the JSON text. */
const bodyWithName = (value: Buffer) =>
  Buffer.concat([
    Buffer.from(
      `{"listId":"${listId}","createUpdateContacts":[{"email":"ann@example.com","propertyFields":[{"propertyName":"First Name","propertyValue":"`,
    ),
    value,
    Buffer.from(`"}]}]}`),
  ])

const invalid: ReadonlyArray<readonly [string, Buffer, number]> = [
  // A literal U+FFFD and other valid characters before the bad byte: the offset still counts bytes.
  ["a byte that is never UTF-8", Buffer.concat([Buffer.from("Zoë \uFFFD 日本 "), Buffer.from([0xff])]), 0xff],
  ["a two-byte character cut short", Buffer.from([0x41, 0xc3, 0x41]), 0xc3],
  ["a surrogate encoded as UTF-8 (CESU)", Buffer.from([0xed, 0xa0, 0x80]), 0xed],
  ["an overlong encoding of /", Buffer.from([0xc0, 0xaf]), 0xc0],
]

describe("UTF-8 bodies", () => {
  it.scopedLive("invalid UTF-8 is a 400 that names the byte and its offset; nothing is queued", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      for (const [, value, bad] of invalid) {
        const body = bodyWithName(value)
        const reply = yield* sandbox.client.post(new Uint8Array(body))
        expect(reply.status).toBe(400)
        expect(reply.json).toMatchObject({
          _tag: "BadRequest",
          message: `the body is not valid UTF-8, as JSON must be: the byte 0x${bad.toString(16)} at offset ${body.indexOf(bad)} is not part of a valid UTF-8 character`,
        })
      }
      yield* sandbox.awaitIdle
      expect(yield* sandbox.stats).toMatchObject({ contacts: 0, batches: { queued: 0, applied: 0 } })
    }),
  )

  it.scopedLive("valid UTF-8, a literal U+FFFD included, is accepted and stored as sent", () =>
    Effect.gen(function* () {
      const sandbox = yield* start()
      const name = "Zoë \uFFFD 日本 😀"
      accepted(yield* sandbox.client.post(new Uint8Array(bodyWithName(Buffer.from(name)))))
      yield* sandbox.awaitIdle
      expect(yield* sandbox.contacts()).toMatchObject([
        { email: "ann@example.com", properties: [{ propertyName: "First Name", propertyValue: name }] },
      ])
    }),
  )
})
