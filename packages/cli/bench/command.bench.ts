/**
 * The `brainsync` command as it is installed (packages/cli/bin/brainsync.mjs and the bundle it
 * runs: the files `pnpm pack` puts in the tarball), each figure paired in one run against a
 * reference, as whole processes timed from here:
 * (a) start-up: `brainsync --version` against `node -e 0`, alternated; wall time and peak RSS
 *     (goals: at most 5x and 120 MB);
 * (b) a 1M-row dry run of the generated contacts file through the command against the same dry run
 *     through the library, bundled by esbuild as the other benchmarks are (goal: within 10%).
 * Peak RSS comes from each process itself (`process.resourceUsage().maxRSS` at exit, through an
 * `--import` hook), in runs of their own so that the hook is not in the timed ones.
 *
 * `pnpm bench command` (after `pnpm build`).
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { bundle } from "../../../bench/bundle.js"
import * as ContactsFile from "../../adapters-csv/bench/contactsFile.js"

const STARTS = 20
const DRY_RUNS = 5
const ROWS = Number(process.argv[2] ?? 1_000_000)
const bin = fileURLToPath(new URL("../bin/brainsync.mjs", import.meta.url))
/** The flag the bin's `#!` line gives node. */
const binFlags = ["--max-semi-space-size=32"]
const reportRss = `--import=data:text/javascript,${encodeURIComponent(
  'process.on("exit", () => process.stderr.write(`maxrss ${process.resourceUsage().maxRSS}\\n`))',
)}`

interface Run {
  readonly ms: number
  readonly stdout: string
}

const time = (args: ReadonlyArray<string>): Run => {
  const start = performance.now()
  const run = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 28 })
  const ms = performance.now() - start
  if (run.status !== 0) throw new Error(`node ${args.join(" ")} exited ${run.status}: ${run.stderr}`)
  return { ms, stdout: run.stdout }
}

const peakMB = (args: ReadonlyArray<string>): number => {
  const run = spawnSync(process.execPath, [reportRss, ...args], { encoding: "utf8", maxBuffer: 1 << 28 })
  const kb = Number(/maxrss (\d+)/.exec(run.stderr)?.[1])
  if (run.status !== 0 || !Number.isFinite(kb)) throw new Error(`node ${args.join(" ")}: ${run.stderr}`)
  return kb / 1024
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** A and B alternated `runs` times: medians of each, and the median of the pairs' ratios. */
const paired = (
  a: ReadonlyArray<string>,
  b: ReadonlyArray<string>,
  runs: number,
  check: (a: Run, b: Run) => void,
) => {
  const as: Array<number> = []
  const bs: Array<number> = []
  const ratios: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const runA = time(a)
    const runB = time(b)
    check(runA, runB)
    as.push(runA.ms)
    bs.push(runB.ms)
    ratios.push(runA.ms / runB.ms)
  }
  return { a: median(as), b: median(bs), ratio: median(ratios), as, bs }
}

const ms = (value: number) => `${Math.round(value)} ms`
const mb = (value: number) => `${Math.round(value)} MB`
const list = (values: ReadonlyArray<number>) => `[${values.map((v) => Math.round(v)).join(", ")}]`

console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} (2 cores, shared)`,
)

// (a) start-up
time([bin, "--version"]) // warm the file cache
const start = paired([bin, "--version"], ["-e", "0"], STARTS, (version) => {
  if (version.stdout.trim() !== "0.1.0") throw new Error(`--version printed ${version.stdout}`)
})
const versionPeak = median(Array.from({ length: 5 }, () => peakMB([bin, "--version"])))
const nodePeak = median(Array.from({ length: 5 }, () => peakMB(["-e", "0"])))
console.log(
  `(a) brainsync --version   median ${ms(start.a)} of ${STARTS}  peak RSS ${mb(versionPeak)}\n` +
    `    node -e 0             median ${ms(start.b)} of ${STARTS}  peak RSS ${mb(nodePeak)}\n` +
    `    --version / node -e 0: ${start.ratio.toFixed(2)}x (median of ${STARTS} paired ratios; goal at most 5x), peak RSS ${mb(versionPeak)} (goal at most 120 MB)`,
)

// (b) the 1M-row dry run
const dir = mkdtempSync(join(tmpdir(), "brainsync-command-bench-"))
try {
  const { mappingConfig } = ContactsFile
  const csv = join(dir, "contacts.csv")
  await ContactsFile.write(csv, ROWS)
  const config = join(dir, "brainsync.json")
  writeFileSync(
    config,
    JSON.stringify({
      name: "bench",
      crm: { baseUrl: "http://127.0.0.1:9", listId: mappingConfig.listId },
      source: { kind: "csv", path: csv },
      // The harness's mapping (packages/adapters-csv/bench/csvStage.ts).
      key: mappingConfig.key,
      fields: mappingConfig.fields,
      properties: mappingConfig.properties,
    }),
  )
  const harness = await bundle(
    fileURLToPath(new URL("../../adapters-csv/bench/csvStageMain.ts", import.meta.url)),
    join(dir, "stage.mjs"),
  )
  const command = [...binFlags, bin, "sync", "--config", config, "--dry-run"]
  const library = [...binFlags, harness, "dryRun", csv]
  const dry = paired(command, library, DRY_RUNS, (viaCommand, viaLibrary) => {
    const read = JSON.parse(viaLibrary.stdout.trim().split("\n").at(-1)!).rows
    if (read !== ROWS) throw new Error(`the harness read ${read} rows of ${ROWS}`)
    if (!new RegExp(`rows read\\s+${ROWS.toLocaleString("en-US")}\\b`).test(viaCommand.stdout))
      throw new Error(`the command did not read ${ROWS} rows: ${viaCommand.stdout}`)
  })
  const commandPeak = peakMB(command)
  const libraryPeak = peakMB(library)
  console.log(
    `(b) ${ROWS.toLocaleString("en-US")}-row dry run, whole processes:\n` +
      `    brainsync sync --dry-run        median ${ms(dry.a)} of ${list(dry.as)}  peak RSS ${mb(commandPeak)}\n` +
      `    DryRun.run, bundled harness     median ${ms(dry.b)} of ${list(dry.bs)}  peak RSS ${mb(libraryPeak)}\n` +
      `    command / harness: ${dry.ratio.toFixed(3)}x (median of ${DRY_RUNS} paired ratios; goal within 10%)`,
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
