/**
 * The ledger's diff on a 1M-row CSV: a first run into a counting in-memory sink with a SQLite
 * ledger, then second runs over the unchanged file, which must send nothing and take at most 2×
 * the raw parser's time on the same file. Prints medians of repeated runs and peak RSS.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CsvSource } from "@brainsync/adapters-csv"
import { Ledger, Sync } from "@brainsync/core"
import { Effect, Layer, Stream } from "effect"
import * as ContactsFile from "../../adapters-csv/bench/contactsFile.js"
import * as CsvStage from "../../adapters-csv/bench/csvStage.js"
import { SqlLedger } from "../src/index.js"

const ROWS = Number(process.env["LEDGER_BENCH_ROWS"] ?? 1_000_000)
const REPEAT = 3

const counter = { requests: 0, contacts: 0 }
const countingSink = CsvStage.countingSink(counter)

const time = async <A>(f: () => Promise<A>): Promise<readonly [A, number]> => {
  globalThis.gc?.()
  const start = performance.now()
  const result = await f()
  return [result, performance.now() - start]
}
const median = (values: ReadonlyArray<number>) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), "brainsync-ledger-bench-"))
  try {
    const csv = join(dir, "contacts.csv")
    await ContactsFile.write(csv, ROWS)
    // the ledger as layerSqlite makes it, with the time spent in its lookups counted
    let lookupMs = 0
    const ledger = Layer.effect(
      Ledger.Ledger,
      Effect.map(SqlLedger.make(), (service) => ({
        ...service,
        lookup: (target: Ledger.Target, keys: ReadonlyArray<string>) => {
          const start = performance.now()
          return service
            .lookup(target, keys)
            .pipe(Effect.ensuring(Effect.sync(() => (lookupMs += performance.now() - start))))
        },
      })),
    ).pipe(Layer.provide(SqlLedger.sqliteClient(join(dir, "state.db"))))
    const run = () =>
      Effect.runPromise(
        Sync.run({ name: "bench", source: CsvSource.fromFile(csv), mapping: CsvStage.mapping }).pipe(
          Effect.provide(Layer.merge(ledger, countingSink)),
        ),
      )
    console.log(
      `ledger bench: ${ROWS} rows, ${(statSync(csv).size / 1e6).toFixed(0)} MB CSV, SQLite ledger in a temp dir`,
    )

    const raws: Array<number> = []
    for (let i = 0; i < REPEAT; i++) {
      const [rows, ms] = await time(() => CsvStage.rawParser(csv))
      if (rows !== ROWS) throw new Error(`the raw parser read ${rows} rows, expected ${ROWS}`)
      raws.push(ms)
    }
    const sources: Array<number> = []
    for (let i = 0; i < REPEAT; i++) {
      const [rows, ms] = await time(() => Effect.runPromise(Stream.runCount(CsvSource.fromFile(csv))))
      if (rows !== ROWS) throw new Error(`CsvSource read ${rows} rows, expected ${ROWS}`)
      sources.push(ms)
    }
    const [first, firstMs] = await time(run)
    console.log(
      `first run:   ${seconds(firstMs)} (${Math.round(ROWS / (firstMs / 1000))} rows/s), inserted/accepted ${first.accepted + first.inserted}, requests ${counter.requests}`,
    )
    // LEDGER_BENCH_PROFILE=<file>: a CPU profile of the second runs only (open it in Chrome DevTools)
    const profileTo = process.env["LEDGER_BENCH_PROFILE"]
    const session = new Session()
    if (profileTo !== undefined) {
      session.connect()
      await session.post("Profiler.enable")
      await session.post("Profiler.start")
    }
    const seconds2: Array<number> = []
    const lookups: Array<number> = []
    for (let i = 0; i < REPEAT; i++) {
      lookupMs = 0
      const before = counter.requests
      const [second, ms] = await time(run)
      if (counter.requests !== before || second.requests !== 0 || second.unchanged !== ROWS)
        throw new Error(
          `the second run sent ${counter.requests - before} requests, unchanged ${second.unchanged}`,
        )
      seconds2.push(ms)
      lookups.push(lookupMs)
    }
    if (profileTo !== undefined)
      writeFileSync(profileTo, JSON.stringify((await session.post("Profiler.stop")).profile))
    const raw = median(raws)
    const second = median(seconds2)
    console.log(
      `raw parser (papaparse, streamed): ${seconds(raw)} median of ${REPEAT} (${raws.map(seconds).join(", ")})`,
    )
    console.log(`CsvSource alone (parse + rows): ${seconds(median(sources))} median of ${REPEAT}`)
    console.log(
      `second run (unchanged, 0 requests): ${seconds(second)} median of ${REPEAT} (${seconds2.map(seconds).join(", ")}), ${Math.round(ROWS / (second / 1000))} rows/s`,
    )
    console.log(
      `  of which ledger lookups: ${seconds(median(lookups))} (${((1000 * median(lookups)) / ROWS).toFixed(2)} µs/row)`,
    )
    console.log(`ratio second run / raw parser: ${(second / raw).toFixed(2)}x (goal ≤ 2x)`)
    console.log(`ratio second run / CsvSource alone: ${(second / median(sources)).toFixed(2)}x`)
    console.log(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
