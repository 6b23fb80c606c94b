/**
 * The crash loop: the built command is killed with SIGKILL at five moments — while reading (its
 * first batch never reaches the CRM), mid-send, right after a 202 (before it can record it),
 * while it waits for the webhook reports, and at the end (every report in) — and run again after
 * each; a last run finishes. The CRM then holds exactly the expected contacts, no contact recorded
 * in the state file was sent again, a restart was never refused for the killed run's lease, and an
 * unchanged run sends nothing.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { startSandbox, tempDir } from "../../packages/cli/test/helpers.js"
import { type Finished, start, type Started } from "./support/command.js"
import * as Contacts from "./support/contacts.js"
import * as CrmFront from "./support/crmFront.js"
import * as StateFile from "./support/stateFile.js"
import * as Tunnel from "./support/tunnel.js"

const ROWS = Number(process.env["PROOF_CRASH_ROWS"] ?? 20_000)
const RENAMED = ROWS / 4
const TOKEN = `crash-token-${process.pid}`

interface Hooks {
  readonly front: CrmFront.Front
  readonly tunnel: Tunnel.Tunnel
  readonly kill: () => void
}

interface Moment {
  readonly name: string
  /** The next export renames the first quarter of the contacts before this run. */
  readonly renames?: boolean
  readonly arm: (hooks: Hooks) => void
}

const moments: ReadonlyArray<Moment> = [
  {
    name: "while reading, before the first 202",
    arm: ({ front, kill }) => {
      front.onArrival = () => {
        kill()
        return "drop"
      }
    },
  },
  {
    name: "mid-send (after 40 batches taken)",
    arm: ({ front, kill }) => {
      let taken = 0
      front.onAccepted = () => {
        if (++taken === 40) kill()
      }
    },
  },
  {
    name: "right after a 202, before its state write",
    arm: ({ front, kill }) => {
      front.onAccepted = kill
    },
  },
  {
    name: "during the webhook wait (everything sent, reports pending)",
    arm: ({ front, kill }) => {
      let quiet: NodeJS.Timeout | undefined
      front.onAccepted = () => {
        clearTimeout(quiet)
        quiet = setTimeout(kill, 600)
      }
    },
  },
  {
    name: "at the end (every report in)",
    renames: true,
    arm: ({ front, tunnel, kill }) => {
      let taken = 0
      let reports = 0
      let lastArrival = Date.now()
      front.onArrival = () => {
        lastArrival = Date.now()
        return undefined
      }
      front.onAccepted = () => void taken++
      // The last report arrives a processing delay (1 s) after the last batch was sent.
      tunnel.onForwarded = (status) => {
        if (status < 300) reports++
        if (taken > 0 && reports >= taken && Date.now() - lastArrival >= 500) kill()
      }
    },
  },
]

const keyOf = (contact: Record<string, unknown>) => `K${/^person(\d+)@/.exec(String(contact["email"]))?.[1]}`

describe("the crash loop", () => {
  it(`SIGKILL at 5 moments, run again each time: the end state is exact and nothing recorded is sent again (${ROWS.toLocaleString("en")} rows)`, async () => {
    const sandbox = await startSandbox({ tokens: [TOKEN], processingDelay: 1000 })
    const front = await CrmFront.start({ upstream: sandbox.url })
    const port = await Tunnel.freePort()
    const tunnel = await Tunnel.start(`http://127.0.0.1:${port}`, { failFirst: false })
    const dir = tempDir()
    const state = join(dir, "state.db")
    writeFileSync(
      join(dir, "brainsync.json"),
      JSON.stringify({
        name: "crash",
        crm: { baseUrl: front.url, listId: sandbox.listId },
        source: { kind: "csv", path: "contacts.csv" },
        key: "id",
        fields: { email: "email", emailOptIn: "newsletter" },
        properties: { "First Name": "first_name" },
        concurrency: 2,
        requestsPerSecond: 25,
        results: { webhook: { listen: `127.0.0.1:${port}`, publicUrl: tunnel.url } },
        state: "state.db",
      }),
    )
    await Contacts.write(join(dir, "contacts.csv"), ROWS, "crash")
    const lines: Array<string> = []
    let refusals = 0
    let resentRecorded = 0
    let resentAccepted = 0
    const began = performance.now()

    /** One run, killed by `moment` (none: to its end); a restart refused for the lease is retried and counted. */
    const runOnce = async (moment: Moment | undefined): Promise<Finished> => {
      for (let attempt = 0; ; attempt++) {
        const before = StateFile.read(state)
        const first = front.sent.length
        let killed = false
        // Called by the hooks, on requests that come after the start below.
        const kill = () => {
          if (!killed) killed = run.child.kill("SIGKILL")
        }
        moment?.arm({ front, tunnel, kill })
        const run: Started = start(["sync", "-c", "brainsync.json"], {
          cwd: dir,
          env: { MAINBRAINER_TOKEN: TOKEN },
        })
        const ran = await run.done
        front.onArrival = undefined
        front.onAccepted = undefined
        tunnel.onForwarded = undefined
        if (ran.signal === null && ran.code !== 0 && /another run/.test(ran.stderr)) {
          if (attempt === 0) {
            refusals++
            lines.push(`  restart refused: ${ran.stderr.trim().split("\n")[0]} (exit ${ran.code})`)
          }
          await new Promise((resolve) => setTimeout(resolve, 2000))
          continue
        }
        const requests = front.sent.slice(first)
        const contacts = requests.flatMap((sent) => sent.body.createUpdateContacts)
        const unchanged = (c: Record<string, unknown>) =>
          moment?.renames !== true || Number(keyOf(c).slice(1)) > RENAMED
        const again = contacts.filter((c) => unchanged(c) && before.recorded.has(keyOf(c)))
        const againAccepted = contacts.filter((c) => unchanged(c) && before.accepted.has(keyOf(c)))
        resentRecorded += again.length
        resentAccepted += againAccepted.length
        lines.push(
          `  ${(moment?.name ?? "to its end").padEnd(60)} ${ran.signal === "SIGKILL" ? "killed" : `exit ${ran.code}`}, ` +
            `${requests.length} requests, ${contacts.length} contacts sent, recorded before: ${before.recorded.size}, ` +
            `sent again after recorded: ${again.length}, after accepted (results pending): ${againAccepted.length}` +
            (ran.peakMB === undefined ? "" : `, peak ${ran.peakMB.toFixed(0)} MB`),
        )
        return ran
      }
    }

    try {
      const killedAt: Array<string> = []
      for (const moment of moments) {
        if (moment.renames === true) await Contacts.write(join(dir, "contacts.csv"), ROWS, "crash", RENAMED)
        const ran = await runOnce(moment)
        // A run that ended on its own before its moment came must have ended well.
        if (ran.signal === "SIGKILL") killedAt.push(moment.name)
        else expect(ran.code, `${moment.name}: ${ran.stderr}`).toBe(0)
      }
      const last = await runOnce(undefined)
      expect(last.code, last.stderr).toBe(0)
      const sentBefore = front.sent.length
      const unchanged = await runOnce(undefined)
      expect(unchanged.code, unchanged.stderr).toBe(0)
      const sentUnchanged = front.sent.slice(sentBefore).flatMap((sent) => sent.body.createUpdateContacts)

      await import("effect").then(({ Effect }) => Effect.runPromise(sandbox.service.awaitIdle))
      const held = await Contacts.differences(sandbox, Contacts.expected(ROWS, "crash", RENAMED))
      console.log(
        [
          `crash loop: ${ROWS.toLocaleString("en")} rows, ${moments.length} SIGKILLs (${killedAt.length} landed), ${front.sent.length} requests in all, ${((performance.now() - began) / 1000).toFixed(1)} s`,
          ...lines,
          `  contacts sent again after being recorded: ${resentRecorded}; after a 202 whose results were pending: ${resentAccepted}`,
          `  restarts refused for the killed run's lease: ${refusals} (each tried again every 2 s until it expired)`,
          `  CRM holds ${held.held} contacts: missing ${held.missing}, extra ${held.extra}, wrong name ${held.wrong}`,
        ].join("\n"),
      )
      expect(killedAt.length, "kills that landed").toBeGreaterThanOrEqual(4)
      expect(held).toEqual({
        held: Contacts.expected(ROWS, "crash").names.size,
        missing: 0,
        extra: 0,
        wrong: 0,
      })
      expect(resentRecorded, "contacts sent again after being recorded").toBe(0)
      expect(sentUnchanged, "contacts an unchanged run sent").toEqual([])
      expect(refusals, "restarts refused for the killed run's lease (its process is gone)").toBe(0)
    } finally {
      await tunnel.close()
      await front.close()
      await sandbox.close()
    }
  }, 900_000)
})
