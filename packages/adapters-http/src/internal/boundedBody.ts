/**
 * Reads a request body up to a size limit. Past the limit the rest is drained and dropped rather
 * than the socket destroyed, so that the sender still gets the 413 answer.
 */
import type * as Http from "node:http"
import { Effect } from "effect"

export type Body = { readonly _tag: "Read"; readonly text: string } | { readonly _tag: "TooLarge" }

export const read = (message: Http.IncomingMessage, maxBytes: number): Effect.Effect<Body, Error> =>
  Effect.async<Body, Error>((resume) => {
    const declared = Number(message.headers["content-length"])
    if (Number.isFinite(declared) && declared > maxBytes) {
      message.resume()
      resume(Effect.succeed({ _tag: "TooLarge" }))
      return
    }
    const chunks: Array<Buffer> = []
    let bytes = 0
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes <= maxBytes) chunks.push(chunk)
    }
    const onEnd = () =>
      resume(
        Effect.succeed(
          bytes > maxBytes
            ? { _tag: "TooLarge" }
            : { _tag: "Read", text: Buffer.concat(chunks).toString("utf8") },
        ),
      )
    const onError = (error: Error) => resume(Effect.fail(error))
    message.on("data", onData)
    message.once("end", onEnd)
    message.once("error", onError)
    return Effect.sync(() => {
      message.off("data", onData)
      message.off("end", onEnd)
      message.off("error", onError)
    })
  })
