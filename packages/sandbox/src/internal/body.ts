/** Reading and checking the raw request: `Accept`, `Content-Type` and a size-limited body. */
import { isUtf8 } from "node:buffer"
import type * as Http from "node:http"
import { Effect } from "effect"

export const MAX_BODY_BYTES = 5 * 1024 * 1024
/** Past this, the sandbox stops draining an oversized body and closes the connection. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024

/** Whether an `Accept` header (absent counts as yes) allows `application/json`. */
export const acceptsJson = (accept: string | undefined): boolean => {
  if (accept === undefined || accept.trim() === "") return true
  return accept.split(",").some((range) => {
    const [type = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase())
    const q = params.find((param) => param.startsWith("q="))
    if (q !== undefined && Number(q.slice(2)) === 0) return false
    return type === "application/json" || type === "application/*" || type === "*/*"
  })
}

export const isJsonContentType = (contentType: string | undefined): boolean =>
  contentType !== undefined && contentType.split(";")[0]!.trim().toLowerCase() === "application/json"

/**
 * The byte offset of the first byte that is not part of a valid UTF-8 character, or `undefined`
 * when all of `bytes` is UTF-8. (Decoding replaces each invalid sequence with U+FFFD; the first
 * U+FFFD that the body did not spell as the bytes EF BF BD is where it went wrong.)
 */
export const firstInvalidUtf8 = (bytes: Buffer): number | undefined => {
  if (isUtf8(bytes)) return undefined
  const text = bytes.toString("utf8")
  let offset = 0
  let from = 0
  for (let at = text.indexOf("\uFFFD"); at !== -1; at = text.indexOf("\uFFFD", at + 1)) {
    offset += Buffer.byteLength(text.slice(from, at))
    if (bytes[offset] !== 0xef || bytes[offset + 1] !== 0xbf || bytes[offset + 2] !== 0xbd) return offset
    offset += 3
    from = at + 1
  }
  return undefined
}

export type Body =
  | { readonly _tag: "Body"; readonly bytes: Buffer }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "Aborted" }

/** Reads the whole body, keeping at most `MAX_BODY_BYTES`; an oversized body is drained so the client can read the 400. */
export const read = (message: Http.IncomingMessage): Effect.Effect<Body> =>
  Effect.async<Body>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
      else if (size > MAX_DRAIN_BYTES) {
        cleanup()
        message.socket.destroy()
        resume(Effect.succeed({ _tag: "TooLarge" }))
      }
    }
    const onEnd = () => {
      cleanup()
      resume(
        Effect.succeed(
          size > MAX_BODY_BYTES ? { _tag: "TooLarge" } : { _tag: "Body", bytes: Buffer.concat(chunks) },
        ),
      )
    }
    const onError = () => {
      cleanup()
      resume(Effect.succeed({ _tag: "Aborted" }))
    }
    const cleanup = () => {
      message.off("data", onData)
      message.off("end", onEnd)
      message.off("error", onError)
    }
    if (message.readableEnded) {
      resume(Effect.succeed({ _tag: "Body", bytes: Buffer.alloc(0) }))
      return
    }
    message.on("data", onData)
    message.on("end", onEnd)
    message.on("error", onError)
    return Effect.sync(cleanup)
  })
