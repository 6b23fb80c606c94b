/**
 * The fault soak: 200,000 rows (`PROOF_SOAK_ROWS`) through the built command into the sandbox with
 * every fault on — 500s, connections reset, responses dropped after the batch was taken, 429s from
 * a rate limit the command is not told about, and each batch's first webhook delivery failing (a
 * tunnel that answers 503 once per batch). Then the CRM holds exactly the expected contacts, the
 * report counts every row once, and no batch was sent again after its 202 reached the command.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { startSandbox, tempDir } from "../../packages/cli/test/helpers.js"
import { brainsync } from "./support/command.js"
import * as Contacts from "./support/contacts.js"
import * as CrmFront from "./support/crmFront.js"
import * as Tunnel from "./support/tunnel.js"

const ROWS = Number(process.env["PROOF_SOAK_ROWS"] ?? 200_000)
const TOKEN = `soak-token-${process.pid}`

describe("the fault soak", () => {
  it(`${ROWS.toLocaleString("en")} rows with every fault on end exact, every row counted once, no batch sent again after its 202`, async () => {
    const sandbox = await startSandbox({
      tokens: [TOKEN],
      processingDelay: 50,
      rateLimit: 20,
      failRate: 0.03,
      resetRate: 0.02,
      dropResponseRate: 0.02,
      webhookAttempts: 6,
      webhookBackoff: 100,
      seed: 17,
    })
    const front = await CrmFront.start({ upstream: sandbox.url })
    const port = await Tunnel.freePort()
    const tunnel = await Tunnel.start(`http://127.0.0.1:${port}`)
    try {
      const dir = tempDir()
      await Contacts.write(join(dir, "contacts.csv"), ROWS, "soak")
      const want = Contacts.expected(ROWS, "soak")
      writeFileSync(
        join(dir, "brainsync.json"),
        JSON.stringify({
          name: "soak",
          crm: { baseUrl: front.url, listId: sandbox.listId },
          source: { kind: "csv", path: "contacts.csv" },
          key: "id",
          fields: { email: "email", emailOptIn: "newsletter" },
          properties: { "First Name": "first_name" },
          results: { webhook: { listen: `127.0.0.1:${port}`, publicUrl: tunnel.url } },
          state: "state.db",
        }),
      )
      const started = performance.now()
      const ran = await brainsync(["sync", "-c", "brainsync.json", "--report", "report.json"], {
        cwd: dir,
        env: { MAINBRAINER_TOKEN: TOKEN },
      })
      const seconds = (performance.now() - started) / 1000
      const seen = `exit ${ran.code}; ${ran.stderr.slice(0, 500)} ${ran.stdout.slice(-1500)}`
      const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as Record<string, number>
      const { awaitIdle } = sandbox.service
      await import("effect").then(({ Effect }) => Effect.runPromise(awaitIdle))
      const state = await Contacts.differences(sandbox, want)
      const statuses = front.sent.reduce<Record<string, number>>((counts, sent) => {
        const status = String(sent.status ?? "no answer")
        counts[status] = (counts[status] ?? 0) + 1
        return counts
      }, {})
      const resent = CrmFront.resentAfterAccepted(front.sent)
      console.log(
        [
          `soak: ${ROWS.toLocaleString("en")} rows (${want.read.toLocaleString("en")} read) in ${seconds.toFixed(1)} s, peak memory ${ran.peakMB?.toFixed(0)} MB`,
          `  requests ${front.sent.length} (${Object.entries(statuses)
            .map(([status, n]) => `${status}: ${n}`)
            .join(", ")})`,
          `  webhook deliveries failed on purpose ${tunnel.counts.failed}, forwarded ${tunnel.counts.forwarded}`,
          `  contacts sent again after their 202 reached the command: ${resent}`,
          `  CRM holds ${state.held} contacts: missing ${state.missing}, extra ${state.extra}, wrong name ${state.wrong}`,
          `  report: ${JSON.stringify(report, (key, value) => (typeof value === "number" || key === "" ? value : undefined))}`,
        ].join("\n"),
      )
      expect(ran.code, seen).toBe(0)
      expect(state).toEqual({ held: want.names.size, missing: 0, extra: 0, wrong: 0 })
      expect(resent, "contacts sent again after their 202 reached the command").toBe(0)
      expect(report["read"]).toBe(want.read)
      expect(report["rejected"]).toBe(want.rejected)
      expect(report["superseded"]).toBe(want.superseded)
      expect(report["failed"]).toBe(0)
      expect(report["inserted"]! + report["updated"]! + report["skipped"]!).toBe(want.names.size)
      const outcomes = [
        "inserted",
        "updated",
        "skipped",
        "accepted",
        "unchanged",
        "superseded",
        "rejected",
        "failed",
      ]
      expect(
        outcomes.reduce((sum, outcome) => sum + (report[outcome] ?? 0), 0),
        "every row counted once",
      ).toBe(want.read)
      expect(statuses["429"] ?? 0, "the rate limit was hit").toBeGreaterThan(0)
      expect(statuses["500"] ?? 0, "500s were answered").toBeGreaterThan(0)
      expect(statuses["no answer"] ?? 0, "connections were reset or responses dropped").toBeGreaterThan(0)
      expect(tunnel.counts.failed, "first webhook deliveries failed").toBeGreaterThan(0)
    } finally {
      await tunnel.close()
      await front.close()
      await sandbox.close()
    }
  }, 900_000)
})
