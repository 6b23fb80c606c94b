/**
 * A loopback HTTP server the command takes for the CRM: it forwards each request to a real
 * upstream (the sandbox) or answers what a test scripts, and records every `POST /contacts/batch`
 * (its contacts, the status the command got, the batch id of a 202) so that a test can count
 * requests, find a batch sent again after its 202 reached the command, and act on a 202 (forge a report).
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** One scripted answer; `repeat` long bodies are built here, `destroy` closes the connection with no answer. */
export interface Answer {
  readonly status?: number
  readonly contentType?: string
  readonly body?: string
  /** The body is `body` repeated this many times. */
  readonly repeat?: number
  /** Declare this Content-Length (larger than the body: a truncated answer). */
  readonly contentLength?: number
  readonly headers?: Record<string, string>
  readonly destroy?: boolean
}

export interface Sent {
  readonly body: {
    readonly listId?: string | null
    readonly webHookUrl?: string | null
    readonly createUpdateContacts: ReadonlyArray<Record<string, unknown>>
  }
  /** The status the command received; undefined when the connection was closed with no answer. */
  status: number | undefined
  batchId: string | undefined
  /** When the request arrived and when its 202 reached the command, on one counter of events. */
  readonly arrived: number
  acknowledged: number | undefined
}

export interface Front {
  readonly url: string
  readonly sent: Array<Sent>
  /** Every request of any path, as `METHOD path`. */
  readonly requests: Array<string>
  /** Called once a 202 reached the command. */
  onAccepted: ((sent: Sent) => void) | undefined
  /** Called when a batch arrives; `"drop"` closes its connection without forwarding it. */
  onArrival: ((sent: Sent) => "drop" | undefined) | undefined
  readonly close: () => Promise<void>
}

const readBody = (message: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    message.on("data", (chunk: Buffer) => chunks.push(chunk))
    message.on("end", () => resolve(Buffer.concat(chunks)))
    message.on("error", reject)
  })

const parseBatch = (raw: Buffer): Sent["body"] => {
  try {
    const parsed = JSON.parse(raw.toString("utf8")) as Sent["body"]
    return { ...parsed, createUpdateContacts: parsed.createUpdateContacts ?? [] }
  } catch {
    return { createUpdateContacts: [] }
  }
}

const batchIdOf = (raw: Buffer): string | undefined => {
  try {
    return (JSON.parse(raw.toString("utf8")) as { data?: { batchId?: string } }).data?.batchId
  } catch {
    return undefined
  }
}

const answer = (response: ServerResponse, scripted: Answer) => {
  if (scripted.destroy === true) {
    response.socket?.destroy()
    return
  }
  const body = (scripted.body ?? "").repeat(scripted.repeat ?? 1)
  const length = scripted.contentLength ?? Buffer.byteLength(body)
  response.writeHead(scripted.status ?? 200, {
    "content-type": scripted.contentType ?? "application/json",
    "content-length": String(length),
    ...scripted.headers,
  })
  if (length > Buffer.byteLength(body)) {
    response.write(body)
    // A truncated answer: the declared length never arrives.
    setTimeout(() => response.socket?.destroy(), 20)
  } else response.end(body)
}

/** Forwards to `upstream`, or answers `script` in order (its last answer repeats). */
export const start = async (
  target: { readonly upstream: string } | { readonly script: ReadonlyArray<Answer> },
): Promise<Front> => {
  const sent: Array<Sent> = []
  const requests: Array<string> = []
  let answered = 0
  let tick = 0
  const front: Front = {
    url: "",
    sent,
    requests,
    onAccepted: undefined,
    onArrival: undefined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
  const server = createServer(async (incoming, response) => {
    requests.push(`${incoming.method} ${incoming.url}`)
    const raw = await readBody(incoming)
    const isBatch = incoming.method === "POST" && incoming.url?.startsWith("/contacts/batch") === true
    const record: Sent | undefined = isBatch
      ? {
          body: parseBatch(raw),
          status: undefined,
          batchId: undefined,
          arrived: tick++,
          acknowledged: undefined,
        }
      : undefined
    if (record !== undefined) sent.push(record)
    if (record !== undefined && front.onArrival?.(record) === "drop") {
      response.socket?.destroy()
      return
    }
    if ("script" in target) {
      const scripted = target.script[Math.min(answered++, target.script.length - 1)]!
      if (record !== undefined && scripted.destroy !== true) {
        record.status = scripted.status ?? 200
        if (record.status === 202) record.acknowledged = tick++
      }
      answer(response, scripted)
      return
    }
    const upstream = httpRequest(
      new URL(incoming.url ?? "/", target.upstream),
      { method: incoming.method, headers: { ...incoming.headers, host: new URL(target.upstream).host } },
      async (reply) => {
        const body = await readBody(reply).catch(() => undefined)
        if (body === undefined) {
          response.socket?.destroy()
          return
        }
        const headers = { ...reply.headers }
        delete headers["transfer-encoding"]
        headers["content-length"] = String(body.length)
        response.writeHead(reply.statusCode ?? 502, headers)
        response.end(body, () => {
          if (record === undefined) return
          record.status = reply.statusCode
          if (reply.statusCode === 202) {
            record.acknowledged = tick++
            record.batchId = batchIdOf(body)
            front.onAccepted?.(record)
          }
        })
      },
    )
    // The upstream closed the connection with no answer (a reset or dropped response): so does this one.
    upstream.on("error", () => response.socket?.destroy())
    upstream.end(raw)
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(front, { url: `http://127.0.0.1:${port}` })
}

const keyOf = (contact: Record<string, unknown>) =>
  String(contact["email"] ?? contact["mobileNumber"] ?? contact["contactId"])

/** Contacts sent again in a request that arrived after a 202 for them had reached the command. */
export const resentAfterAccepted = (sent: ReadonlyArray<Sent>): number => {
  const acknowledged = new Map<string, number>()
  for (const request of sent)
    if (request.acknowledged !== undefined)
      for (const contact of request.body.createUpdateContacts) {
        const key = keyOf(contact)
        acknowledged.set(key, Math.min(acknowledged.get(key) ?? Infinity, request.acknowledged))
      }
  let again = 0
  for (const request of sent)
    for (const contact of request.body.createUpdateContacts)
      if (request.arrived > (acknowledged.get(keyOf(contact)) ?? Infinity)) again++
  return again
}
