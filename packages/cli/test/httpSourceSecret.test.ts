/**
 * An HTTP source's secret is not sent over plain http:// to another machine: the API here listens
 * on this machine's own non-loopback address, which is "another host" by URL. The command stops
 * before the source is asked for anything, and nothing reaches the CRM.
 */
import { createServer, type Server } from "node:http"
import { networkInterfaces } from "node:os"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { run, type RunningSandbox, startSandbox, tempDir, writeConfig } from "./helpers.js"

const TOKEN = `source-secret-test-${process.pid}`
const outwardAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address !== undefined && address.family === "IPv4" && !address.internal)?.address

describe.skipIf(outwardAddress === undefined)("brainsync sync from an HTTP source over plain http", () => {
  let crm: RunningSandbox
  let api: Server
  let apiUrl = ""
  const authorizations: Array<string | undefined> = []
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN] })
    api = createServer((request, response) => {
      authorizations.push(request.headers.authorization)
      response.setHeader("content-type", "application/json")
      response.end(
        JSON.stringify([{ id: "1", email: "one@example.com", first_name: "One", newsletter: "yes" }]),
      )
    })
    await new Promise<void>((resolve) => api.listen(0, outwardAddress, resolve))
    const address = api.address()
    apiUrl = `http://${outwardAddress}:${typeof address === "object" && address !== null ? address.port : 0}/people`
  })
  afterAll(async () => {
    await new Promise((resolve) => api.close(resolve))
    await crm.close()
  })

  it("refuses to send the source's bearer token, before connecting, in one line", async () => {
    const dir = tempDir()
    const config = writeConfig(dir, {
      crm: { baseUrl: crm.url, listId: crm.listId },
      source: {
        kind: "http",
        url: apiUrl,
        pagination: { type: "link" },
        auth: { bearerEnv: "PEOPLE_API_TOKEN" },
      },
    })
    const ran = await run(["sync", "-c", config], {
      env: { MAINBRAINER_TOKEN: TOKEN, PEOPLE_API_TOKEN: "people-api-secret" },
    })
    // Refused as configuration (exit 2) before any connection: no table, nothing sent anywhere.
    expect(ran.code).toBe(2)
    expect(ran.stderr.split("\n")[0]).toContain(
      `source.url: refusing to send the source's credentials over plain http:// to ${outwardAddress}; use https://, or set allowInsecureAuth if the network is trusted`,
    )
    expect(ran.stdout).toBe("")
    expect(`${ran.stdout}${ran.stderr}`).not.toContain("people-api-secret")
    expect(authorizations).toEqual([])
  })
})
