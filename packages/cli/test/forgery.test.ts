/**
 * Forged webhook reports through the command: between `brainsync sync` and the sandbox CRM sits a
 * proxy that, like whoever learned the webhook's URL from a proxy's log, posts its own report for
 * each batch the moment the CRM accepts it (another list, tallies that do not add up, one contactId
 * for every row), before the CRM's own. The forgeries are refused and counted, the CRM's reports
 * applied, and the next run sends each changed row with its own contact's id.
 */
import { createServer, type Server } from "node:http"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { run, type RunningSandbox, startSandbox, tempDir, writeConfig } from "./helpers.js"

const TOKEN = `forgery-token-${process.pid}`
const FORGED_ID = "1234567"

interface SentContact {
  readonly email?: string
  readonly contactId?: number
}

/**
 * A proxy to `target` that forges a report on each 202; it keeps the requests, and the status each
 * forgery got (0 when it got no answer).
 */
const attackingProxy = (target: string) =>
  new Promise<{
    url: string
    server: Server
    sent: Array<ReadonlyArray<SentContact>>
    forged: Array<Promise<number>>
  }>((resolve) => {
    const sent: Array<ReadonlyArray<SentContact>> = []
    const statuses: Array<Promise<number>> = []
    const server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const body = Buffer.concat(chunks)
        const headers: Record<string, string> = {}
        for (const [name, value] of Object.entries(request.headers))
          if (typeof value === "string" && name !== "host" && name !== "content-length") headers[name] = value
        void fetch(`${target}${request.url}`, {
          method: request.method ?? "GET",
          headers,
          ...(body.length > 0 ? { body } : {}),
        }).then(async (answer) => {
          const text = await answer.text()
          if (request.url === "/contacts/batch" && answer.status === 202) {
            const batch = JSON.parse(body.toString("utf8")) as {
              createUpdateContacts: ReadonlyArray<SentContact>
              webHookUrl: string
            }
            sent.push(batch.createUpdateContacts)
            const { batchId } = (JSON.parse(text) as { data: { batchId: string } }).data
            const forgery = fetch(batch.webHookUrl, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({
                batchId,
                listId: "00000000-0000-4000-8000-000000000000",
                inserted: { count: 0, contactIds: [] },
                updated: { count: 1, contactIds: [FORGED_ID] },
                skipped: { count: 0, contactIds: [] },
                results: batch.createUpdateContacts.map((_, index) => ({
                  index,
                  contactId: FORGED_ID,
                  outcome: "updated",
                })),
              }),
            }).then(
              (answer) => answer.status,
              () => 0,
            )
            statuses.push(forgery)
          }
          response.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "" })
          response.end(text)
        })
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({ url: `http://127.0.0.1:${port}`, server, sent, forged: statuses })
    })
  })

const writeContacts = (dir: string, count: number, name: (i: number) => string) => {
  const lines = ["id,email,first_name,newsletter"]
  for (let i = 1; i <= count; i++) lines.push(`K${i},person${i}@example.com,${name(i)},yes`)
  writeFileSync(join(dir, "contacts.csv"), `${lines.join("\n")}\n`)
}

describe("brainsync sync with forged webhook reports", () => {
  let crm: RunningSandbox
  let proxy: Awaited<ReturnType<typeof attackingProxy>>
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN], processingDelay: 300 })
    proxy = await attackingProxy(crm.url)
  })
  afterAll(async () => {
    await new Promise((resolve) => proxy.server.close(resolve))
    await crm.close()
  })

  it("refuses and counts them, applies the CRM's, and the next run sends each row's own contactId", async () => {
    const dir = tempDir()
    writeContacts(dir, 150, (i) => `Name ${i}`)
    const config = writeConfig(dir, {
      crm: { baseUrl: proxy.url, listId: crm.listId },
      results: { webhook: { listen: "127.0.0.1:0" } },
      state: "state.db",
    })
    const reportPath = join(dir, "report.json")
    const first = await run(["sync", "-c", config, "--report", reportPath], {
      env: { MAINBRAINER_TOKEN: TOKEN },
    })
    expect(first.stderr).toBe("")
    expect(first.code).toBe(0)
    expect(first.stdout.split("\n")[0]).toMatch(/^progress: 100% .* 150 inserted/)
    expect(first.stdout).toMatch(/inserted\s+150/)
    expect(first.stdout).toMatch(
      / {2}refused\s+2 {2}webhook reports not applied: not fitting a batch this run awaits \(forged, or its 202 was lost\)\n/,
    )
    const batches = proxy.sent.length
    expect(batches).toBe(2)
    const report = JSON.parse(readFileSync(reportPath, "utf8")) as Record<string, unknown>
    expect(report).toMatchObject({ read: 150, inserted: 150, reportsRefused: batches, exitCode: 0 })
    const forged = await Promise.all(proxy.forged)
    expect(forged.length).toBe(batches)
    expect(forged.every((status) => status >= 400 && status < 500)).toBe(true)

    const stored = await Effect.runPromise(crm.service.contacts(crm.listId))
    const idOf = new Map(stored.map((contact) => [contact.email, Number(contact.contactId)]))
    expect(idOf.size).toBe(150)

    // Every name changed: each row goes with its own contact's id, and its own contact is updated.
    writeContacts(dir, 150, (i) => `Renamed ${i}`)
    const second = await run(["sync", "-c", config], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(second.code).toBe(0)
    expect(second.stdout.split("\n")[0]).toMatch(/^progress: 100% .* 150 updated/)
    expect(second.stdout).toMatch(/updated\s+150/)
    const resent = proxy.sent.slice(batches).flat()
    expect(resent.length).toBe(150)
    expect(resent.filter((contact) => contact.contactId !== idOf.get(contact.email ?? null))).toEqual([])
    await Effect.runPromise(crm.service.awaitIdle)
    const after = await Effect.runPromise(crm.service.contacts(crm.listId))
    const wrong = after.filter(
      (contact) =>
        contact.properties.find((property) => property.propertyName === "First Name")?.propertyValue !==
        `Renamed ${contact.email?.replace(/^person(\d+)@.*$/, "$1")}`,
    )
    expect(wrong.map((contact) => contact.email)).toEqual([])
  })
})
