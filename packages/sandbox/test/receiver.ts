/** A webhook receiver on 127.0.0.1 that records what it is sent and can fail its first requests. */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Schedule, type Scope } from "effect"

export const receiver = (options: { readonly failFirst?: number; readonly redirectTo?: string } = {}) =>
  Effect.acquireRelease(
    Effect.async<{
      readonly url: string
      readonly bodies: Array<unknown>
      readonly hits: () => number
      close: () => void
    }>((resume) => {
      const bodies: Array<unknown> = []
      let hits = 0
      const server = createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        req.on("end", () => {
          hits++
          if (options.redirectTo !== undefined) {
            res.writeHead(307, { location: options.redirectTo }).end()
            return
          }
          if (hits <= (options.failFirst ?? 0)) {
            res.writeHead(503).end()
            return
          }
          bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")))
          res.writeHead(204).end()
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(
          Effect.succeed({
            url: `http://127.0.0.1:${port}/hook`,
            bodies,
            hits: () => hits,
            close: () => {
              server.closeAllConnections()
              server.close()
            },
          }),
        )
      })
    }),
    (r) => Effect.sync(() => r.close()),
  )

/** Waits (polling) until `check` holds; fails the test after a generous bound instead of hanging. */
export const eventually = <A>(
  get: Effect.Effect<A>,
  check: (a: A) => boolean,
): Effect.Effect<A, Error, Scope.Scope> =>
  get.pipe(
    Effect.filterOrFail(check, () => new Error("not yet")),
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("20 seconds"))),
  )
