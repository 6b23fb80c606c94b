/**
 * Side by side: the `brainsync` command against a hand-written baseline (baselineSync.ts:
 * papaparse, batches of 100 with fetch, 4 in flight) on the same generated contacts file, into the
 * sandbox running as a process of its own (`brainsync sandbox`, no rate limit, emptied before each
 * first run). Each tool runs twice: a first run into the empty CRM, then an unchanged second run
 * (brainsync's state file sends nothing; the baseline sends everything again). Wall time of the
 * whole process, requests the sandbox counted, peak RSS of the process (through an `--import`
 * hook), and the contacts the CRM holds after the first run; printed as a Markdown table (the
 * README's performance section holds one).
 *
 * `pnpm bench sideBySide [rows]` (default 100,000 rows).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { bundle } from "../../../bench/bundle.js"
import * as ContactsFile from "../../adapters-csv/bench/contactsFile.js"

const ROWS = Number(process.argv[2] ?? 100_000)
const TOKEN = "side-by-side-token"
const bin = fileURLToPath(new URL("../bin/brainsync.mjs", import.meta.url))
/** The flag the bin's `#!` line gives node. */
const binFlags = ["--max-semi-space-size=32"]
const reportRss = `--import=data:text/javascript,${encodeURIComponent(
  'process.on("exit", () => process.stderr.write(`maxrss ${process.resourceUsage().maxRSS}\\n`))',
)}`
const papaparse = createRequire(
  fileURLToPath(new URL("../../adapters-csv/package.json", import.meta.url)),
).resolve("papaparse")

interface Figures {
  readonly seconds: number
  readonly requests: number
  readonly peakMB: number
  readonly held?: number
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

const port = await freePort()
const url = `http://127.0.0.1:${port}`
const auth = { authorization: `Bearer ${TOKEN}` }

const startSandbox = async (): Promise<ChildProcess> => {
  const child = spawn(
    process.execPath,
    [
      ...binFlags,
      bin,
      "sandbox",
      "--port",
      String(port),
      "--token",
      TOKEN,
      "--processing-delay",
      "20",
      "--rate-limit",
      "0",
    ],
    { stdio: "ignore" },
  )
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return child
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error("the sandbox did not start")
}

const sandboxStats = async () =>
  (await fetch(`${url}/sandbox/stats`, { headers: auth }).then((r) => r.json())) as {
    readonly requests: { readonly total: number }
    readonly contacts: number
    readonly batches: { readonly queued: number }
  }

const idle = async () => {
  while ((await sandboxStats()).batches.queued > 0) await new Promise((resolve) => setTimeout(resolve, 50))
}

/** Runs `node <args>` to its end (not with spawnSync: this process's idle connections to the sandbox must notice being closed meanwhile). */
const runNode = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<{ readonly status: number | null; readonly stdout: string; readonly stderr: string }>(
    (resolve) => {
      const child = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: "1", ...env } })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (piece) => (stdout += String(piece)))
      child.stderr.on("data", (piece) => (stderr += String(piece)))
      child.on("close", (status) => resolve({ status, stdout, stderr }))
    },
  )

/** Runs `node <args>` to its end, timed, counting the requests the sandbox saw. */
const measure = async (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  fresh: boolean,
): Promise<Figures> => {
  if (fresh) {
    const reset = await fetch(`${url}/sandbox/reset`, { method: "POST", headers: auth })
    if (reset.status !== 204) throw new Error(`the sandbox reset answered ${reset.status}`)
  }
  const before = (await sandboxStats()).requests.total
  const started = performance.now()
  const run = await runNode([reportRss, ...args], env)
  const seconds = (performance.now() - started) / 1000
  const kb = Number(/maxrss (\d+)/.exec(run.stderr)?.[1])
  if (run.status !== 0 || !Number.isFinite(kb))
    throw new Error(`node ${args.join(" ")} exited ${run.status}: ${run.stderr}\n${run.stdout.slice(-2000)}`)
  await idle()
  const after = await sandboxStats()
  return { seconds, requests: after.requests.total - before, peakMB: kb / 1024, held: after.contacts }
}

const dir = mkdtempSync(join(tmpdir(), "brainsync-side-by-side-"))
const sandbox = await startSandbox()
try {
  const csv = join(dir, "contacts.csv")
  await ContactsFile.write(csv, ROWS)
  const { mappingConfig } = ContactsFile
  const config = join(dir, "brainsync.json")
  writeFileSync(
    config,
    JSON.stringify({
      name: "side-by-side",
      crm: { baseUrl: url, listId: mappingConfig.listId },
      source: { kind: "csv", path: csv },
      key: mappingConfig.key,
      fields: mappingConfig.fields,
      properties: mappingConfig.properties,
      state: join(dir, "state.db"),
    }),
  )
  const baseline = await bundle(
    fileURLToPath(new URL("./baselineSync.ts", import.meta.url)),
    join(dir, "baselineSync.bundle.mjs"),
  )
  const env = { MAINBRAINER_TOKEN: TOKEN }
  const command = [...binFlags, bin, "sync", "--config", config]
  const byHand = [...binFlags, baseline, csv, url, mappingConfig.listId, papaparse]
  const brainsync = { first: await measure(command, env, true), second: await measure(command, env, false) }
  const hand = { first: await measure(byHand, env, true), second: await measure(byHand, env, false) }

  const cell = (f: Figures) =>
    `${f.seconds.toFixed(1)} s | ${f.requests.toLocaleString("en")} | ${Math.round(f.peakMB)} MB`
  console.log(
    [
      `${ROWS.toLocaleString("en")} generated contacts (quoted fields, multi-byte names), the sandbox as its own process; ` +
        `node ${process.version}, ${cpus().length} cores, load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")}`,
      "",
      "| | first run: time | requests | peak memory | unchanged second run: time | requests | peak memory | contacts held after the first run |",
      "|---|---:|---:|---:|---:|---:|---:|---:|",
      `| brainsync sync (state file) | ${cell(brainsync.first)} | ${cell(brainsync.second)} | ${brainsync.first.held?.toLocaleString("en")} |`,
      `| by hand: papaparse + fetch, batches of 100, 4 in flight | ${cell(hand.first)} | ${cell(hand.second)} | ${hand.first.held?.toLocaleString("en")} |`,
    ].join("\n"),
  )
} finally {
  sandbox.kill("SIGTERM")
  rmSync(dir, { recursive: true, force: true })
}
