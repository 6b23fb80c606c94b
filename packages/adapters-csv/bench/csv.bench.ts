/**
 * The CSV stage on a generated contacts file (1M rows, ~127 MB: quoted fields, embedded newlines,
 * multi-byte names), timed as (a) the raw parser alone (papaparse's Parser over the decoded file,
 * counting rows; papaparse's stream API for reference), CsvSource alone (rows as `SourceRow`s), and (b) the whole local pipeline
 * (CsvSource → Mapping → dedupe → batches of 100 → a counting in-memory ContactSink, via
 * `Sync.run`). Each measurement runs in a Node process of its own (`csvStageMain.ts`, bundled by
 * esbuild and run with plain node, as a deployed build would run: under tsx, its loader alone
 * holds ~130 MB RSS), 3 times; medians are printed. The pipeline then runs on a 3M-row file to
 * compare peak RSS.
 *
 * `pnpm bench csv`, or `node --import tsx --expose-gc packages/adapters-csv/bench/csv.bench.ts [rows]`.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, statSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { bundle } from "../../../bench/bundle.js"
import * as ContactsFile from "./contactsFile.js"
import type { Measurement, Mode } from "./csvStage.js"

const RUNS = 3

const bundleStage = (dir: string): Promise<string> =>
  bundle(fileURLToPath(new URL("./csvStageMain.ts", import.meta.url)), join(dir, "stage.mjs"))

const measure = (stage: string, mode: Mode, path: string): Measurement => {
  const v8Flags = process.execArgv.filter((flag) => flag.startsWith("--max-semi-space-size"))
  const run = spawnSync(process.execPath, [...v8Flags, "--expose-gc", stage, mode, path], {
    encoding: "utf8",
  })
  const last = run.stdout.trim().split("\n").pop() ?? ""
  if (run.status !== 0 || !last.startsWith("{")) throw new Error(`${mode} failed: ${run.stderr}${run.stdout}`)
  return JSON.parse(last) as Measurement
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

const rate = (rows: number, ms: number) => Math.round((rows / ms) * 1000)
const thousands = (n: number) => n.toLocaleString("en-US")

interface Series {
  readonly rows: number
  readonly ms: number
  readonly cpuMs: number
  readonly runs: ReadonlyArray<number>
  readonly peakMB: number
  readonly loadedMB: number
}

const series = (stage: string, mode: Mode, path: string, runs: number, expectedRows: number): Series => {
  const all = Array.from({ length: runs }, () => measure(stage, mode, path))
  for (const m of all)
    if (m.rows !== expectedRows) throw new Error(`${mode}: read ${m.rows} rows of ${expectedRows}`)
  return {
    rows: expectedRows,
    ms: median(all.map((m) => m.ms)),
    cpuMs: median(all.map((m) => m.cpuMs)),
    runs: all.map((m) => Math.round(m.ms)),
    peakMB: median(all.map((m) => m.peakMB)),
    loadedMB: median(all.map((m) => m.loadedMB)),
  }
}

const print = (label: string, s: Series) =>
  console.log(
    `${label.padEnd(40)} ${thousands(rate(s.rows, s.ms)).padStart(9)} rows/s  median ${Math.round(s.ms)} ms of [${s.runs.join(", ")}]` +
      ` (CPU ${Math.round(s.cpuMs)} ms: ${thousands(rate(s.rows, s.cpuMs))} rows/CPU-s)` +
      `  peak RSS ${s.peakMB} MB (${s.loadedMB} MB after loading)`,
  )

const main = async (rows: number) => {
  const dir = mkdtempSync(join(tmpdir(), "csv-bench-"))
  try {
    const stage = await bundleStage(dir)
    const small = join(dir, "contacts-1x.csv")
    const large = join(dir, "contacts-3x.csv")
    const started = performance.now()
    await ContactsFile.write(small, rows)
    await ContactsFile.write(large, rows * 3)
    const megabytes = (path: string) => (statSync(path).size / 1e6).toFixed(1)
    console.log(
      `files: ${thousands(rows)} rows (${megabytes(small)} MB), ${thousands(rows * 3)} rows (${megabytes(large)} MB), ` +
        `generated in ${((performance.now() - started) / 1000).toFixed(1)} s; load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")} (2 cores, shared)`,
    )
    const raw = series(stage, "raw", small, RUNS, rows)
    print(`(a) raw parser, ${thousands(rows)} rows`, raw)
    const papaStream = series(stage, "papaStream", small, 1, rows)
    print(`    papaparse stream API, ${thousands(rows)} rows`, papaStream)
    const source = series(stage, "source", small, RUNS, rows)
    print(`    CsvSource alone, ${thousands(rows)} rows`, source)
    const whole = series(stage, "pipeline", small, RUNS, rows)
    print(`(b) whole pipeline, ${thousands(rows)} rows`, whole)
    const whole3 = series(stage, "pipeline", large, 1, rows * 3)
    print(`    whole pipeline, ${thousands(rows * 3)} rows`, whole3)

    const ratio = whole.ms / raw.ms
    const pipelineRate = rate(whole.rows, whole.ms)
    const growth = (whole3.peakMB / whole.peakMB - 1) * 100
    const verdict = (met: boolean, missed: string) => (met ? "met" : `MISSED ${missed}`)
    const ratios = (pick: (s: Series) => number) =>
      `(b)/(a) ${(pick(whole) / pick(raw)).toFixed(2)}x, CsvSource/(a) ${(pick(source) / pick(raw)).toFixed(2)}x, ` +
      `(b)/CsvSource ${(pick(whole) / pick(source)).toFixed(2)}x`
    console.log(`time ratios: wall ${ratios((s) => s.ms)}; CPU ${ratios((s) => s.cpuMs)}`)
    console.log(
      `goals: (b) >= 200,000 rows/s ${verdict(pipelineRate >= 200_000, `by ${Math.round((1 - pipelineRate / 200_000) * 100)}%`)}; ` +
        `(b)/(a) <= 1.5x ${verdict(ratio <= 1.5, `(${ratio.toFixed(2)}x)`)}; ` +
        `peak RSS < 200 MB ${verdict(whole.peakMB < 200, `(${whole.peakMB} MB)`)}; ` +
        `3x rows: peak RSS ${growth >= 0 ? "+" : ""}${growth.toFixed(1)}% (< 10%) ${verdict(growth < 10, "")}`,
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main(Number(process.argv[2] ?? 1_000_000))
