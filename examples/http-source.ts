/**
 * Contacts from another system's JSON API: a small local "customers" API (started here, on a
 * free loopback port) that pages with a cursor and wants an API key, read with `HttpSource` and
 * synced into a MainBrainer list.
 *
 *   pnpm brainsync sandbox                      # in another terminal: a local CRM on :4010
 *   MAINBRAINER_BASE_URL=http://127.0.0.1:4010 MAINBRAINER_TOKEN=sandbox-token pnpm exec tsx examples/http-source.ts
 */
import { HttpSource, MainBrainer } from "@brainsync/adapters-http"
import { Mapping, Sync, SyncReport } from "@brainsync/core"
import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Config, Console, Effect, Layer, Redacted, Stream } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

const API_KEY = "local-api-key"

/** 250 customers; every 50th has no email (the CRM could not match it: it is rejected). */
const customers = Array.from({ length: 250 }, (_, i) => ({
  id: 1000 + i,
  email: i % 50 === 49 ? null : `customer${i}@example.org`,
  first_name: ["Ada", "Grace", "Alan", "Edsger"][i % 4],
  company: { name: ["Initech", "Hooli", "Globex"][i % 3] },
  marketing: i % 3 === 0,
}))

/** GET /v1/customers?limit=100&cursor=<id>: `{ data: [...], next: "<id>" | null }`. */
const customersApi = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly close: () => void }>((resume) => {
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://localhost")
      if (request.headers.authorization !== `Bearer ${API_KEY}`) {
        response.writeHead(401).end()
        return
      }
      const limit = Number(url.searchParams.get("limit") ?? 100)
      const after = Number(url.searchParams.get("cursor") ?? 0)
      const page = customers.filter((customer) => customer.id > after).slice(0, limit)
      const last = page[page.length - 1]
      const next = page.length === limit && last !== undefined ? String(last.id) : null
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ data: page, next }))
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}/v1/customers`, close: () => server.close() }))
    })
  }),
  (api) => Effect.sync(api.close),
)

const companyName = (company: unknown): string | undefined =>
  typeof company === "object" && company !== null && "name" in company && typeof company.name === "string"
    ? company.name
    : undefined

const program = Effect.gen(function* () {
  const api = yield* customersApi
  const listId = yield* Config.string("MAINBRAINER_LIST_ID").pipe(
    Config.withDefault("9fc6ad7d-902a-4834-b161-a4911b883d44"),
  )
  const source = HttpSource.make({
    url: `${api.url}?limit=100`,
    items: "data",
    pagination: HttpSource.cursor({ cursorPath: "next", param: "cursor" }),
    auth: HttpSource.bearer(Redacted.make(API_KEY)),
  })
  const mapping = Mapping.make({
    listId,
    key: "id",
    fields: { email: "email", emailOptIn: "marketing" },
    properties: { "First Name": "first_name", Company: "company_name" },
  })
  const report = yield* Sync.run({
    name: "example-http",
    // The mapping reads top-level fields: lift the nested company name out of each item.
    source: Stream.map(source, (row) => ({
      ...row,
      fields: { ...row.fields, company_name: companyName(row.fields["company"]) },
    })),
    mapping,
  })
  yield* Console.log(SyncReport.summary(report))
})

program.pipe(
  Effect.provide(
    Layer.mergeAll(
      MainBrainer.layerConfig({ requestsPerSecond: Config.succeed(10) }),
      NodeHttpClient.layerUndici,
    ),
  ),
  Effect.scoped,
  NodeRuntime.runMain,
)
