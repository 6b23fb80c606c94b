/**
 * One measurement of the CSV stage, run in a process of its own by `csv.bench.ts` (bundled by
 * esbuild and run with plain node, so that peak RSS is the work's, not tsx's loader's):
 * `node stage.mjs <raw|source|pipeline> <file>` prints a JSON `Measurement` as its last line.
 */
import { ContactSink, DryRun, Mapping, Sync } from "@brainsync/core"
import { Effect, Layer, Stream } from "effect"
import { createReadStream } from "node:fs"
import Papa from "papaparse"
import { CsvSource } from "../src/index.js"
import * as ContactsFile from "./contactsFile.js"

export type Mode = "raw" | "papaStream" | "source" | "pipeline" | "dryRun"

export interface Measurement {
  readonly rows: number
  readonly ms: number
  /** CPU time (user + system) of the work: robust to other processes taking the cores. */
  readonly cpuMs: number
  /** Peak RSS of the whole process (MB), module loading included. */
  readonly peakMB: number
  /** Peak RSS before the work started (MB): what loading the modules took. */
  readonly loadedMB: number
}

const CHUNK = 1 << 16
const mb = (kb: number) => Math.round(kb / 1024)

/** papaparse's low-level parser alone over the file: the floor every CSV stage is compared with. */
export const rawParser = async (path: string): Promise<number> => {
  let rows = 0
  const parser = new Papa.Parser({
    delimiter: ",",
    newline: "\n",
    quoteChar: '"',
    escapeChar: '"',
    step: () => rows++,
  })
  const decoder = new TextDecoder("utf-8")
  let pending = ""
  for await (const bytes of createReadStream(path, { highWaterMark: CHUNK })) {
    const input = pending + decoder.decode(bytes as Uint8Array, { stream: true })
    const { meta } = parser.parse(input, 0, true) as { meta: { cursor: number } }
    pending = input.slice(meta.cursor)
  }
  parser.parse(pending + decoder.decode(), 0, false)
  return rows - 1 // the header
}

/** papaparse's documented Node stream API (one row per 'data' event), for reference: DESIGN.md measured it at ~305k rows/s. */
const papaStream = (path: string): Promise<number> =>
  new Promise((resolve, reject) => {
    let rows = 0
    createReadStream(path, { encoding: "utf8", highWaterMark: CHUNK })
      .pipe(Papa.parse(Papa.NODE_STREAM_INPUT, { delimiter: ",", newline: "\n" }))
      .on("data", () => rows++)
      .on("end", () => resolve(rows - 1))
      .on("error", reject)
  })

const source = (path: string): Promise<number> =>
  Effect.runPromise(Stream.runFold(CsvSource.fromFile(path), 0, (n) => n + 1))

/** A sink that accepts every batch at once and counts what it got. */
export const countingSink = (counter: { contacts: number; requests: number }) =>
  Layer.succeed(ContactSink.ContactSink, {
    upsert: (request) =>
      Effect.sync(() => {
        counter.contacts += request.createUpdateContacts.length
        counter.requests++
        return ContactSink.acceptedBody(`bench-${counter.requests}`, request.createUpdateContacts.length)
      }),
  })

/** The generated contacts file's mapping. */
export const mapping = Mapping.make(ContactsFile.mappingConfig)

const pipeline = async (path: string): Promise<number> => {
  const counter = { contacts: 0, requests: 0 }
  const report = await Effect.runPromise(
    Sync.run({ name: "bench", source: CsvSource.fromFile(path), mapping }).pipe(
      Effect.provide(countingSink(counter)),
    ),
  )
  if (counter.contacts !== report.read) throw new Error(`sink got ${counter.contacts} of ${report.read} rows`)
  return report.read
}

/** The library's dry run (everything up to the sink), which `brainsync sync --dry-run` runs. */
const dryRun = async (path: string): Promise<number> => {
  const preview = await Effect.runPromise(
    DryRun.run({ name: "bench", source: CsvSource.fromFile(path), mapping }),
  )
  return preview.report.read
}

const work: Record<Mode, (path: string) => Promise<number>> = {
  raw: rawParser,
  papaStream,
  source,
  pipeline,
  dryRun,
}

/** In a child process: one measurement, printed as JSON on the last line. */
export const child = async (mode: Mode, path: string) => {
  const loadedMB = mb(process.resourceUsage().maxRSS)
  const start = performance.now()
  const cpu = process.cpuUsage()
  const rows = await work[mode](path)
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  const cpuMs = (used.user + used.system) / 1000
  const measurement: Measurement = { rows, ms, cpuMs, peakMB: mb(process.resourceUsage().maxRSS), loadedMB }
  console.log(JSON.stringify(measurement))
}
