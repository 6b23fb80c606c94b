/**
 * A tunnel between the CRM and the command's webhook receiver (the receiver's `publicUrl`) that
 * fails the first delivery of each batch's report (503) and forwards the later ones, so that the
 * CRM has to retry every report (or, with `failFirst: false`, forwards them all).
 */
import { createServer, request as httpRequest } from "node:http"
import type { AddressInfo } from "node:net"

export interface Tunnel {
  readonly url: string
  /** Deliveries failed on purpose, and forwarded. */
  readonly counts: { failed: number; forwarded: number }
  /** Called once the receiver answered a forwarded report. */
  onForwarded: ((status: number) => void) | undefined
  readonly close: () => Promise<void>
}

/** A free loopback port (for a receiver that must listen where the tunnel points). */
export const freePort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

export const start = async (
  receiver: string,
  options: { readonly failFirst?: boolean } = {},
): Promise<Tunnel> => {
  const seen = new Set<string>()
  const counts = { failed: 0, forwarded: 0 }
  const tunnel: Tunnel = {
    url: "",
    counts,
    onForwarded: undefined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
  const server = createServer((incoming, response) => {
    const chunks: Array<Buffer> = []
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
    incoming.on("end", () => {
      const body = Buffer.concat(chunks)
      const batchId = /"batchId"\s*:\s*"([^"]*)"/.exec(body.toString("utf8"))?.[1] ?? ""
      if (options.failFirst !== false && !seen.has(batchId)) {
        seen.add(batchId)
        counts.failed++
        response.writeHead(503).end()
        return
      }
      counts.forwarded++
      const upstream = httpRequest(
        new URL(incoming.url ?? "/", receiver),
        { method: incoming.method, headers: { ...incoming.headers, host: new URL(receiver).host } },
        (reply) => {
          response.writeHead(reply.statusCode ?? 502, reply.headers)
          reply.pipe(response)
          reply.on("end", () => tunnel.onForwarded?.(reply.statusCode ?? 502))
        },
      )
      upstream.on("error", () => response.writeHead(502).end())
      upstream.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(tunnel, { url: `http://127.0.0.1:${port}` })
}
