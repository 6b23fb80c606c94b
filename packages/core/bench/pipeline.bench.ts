/**
 * Mapping + dedupe + batching through `Sync.run` into a counting sink (accepts at once), over
 * in-memory rows generated chunk by chunk (nothing holds the whole source). Prints rows/s
 * (median of 3), the cost of E.164 phone parsing on its own, and peak RSS after 1M and after 3M
 * rows: if the pipeline's memory grew with the row count, the second figure would be far larger.
 * Rates are given per wall-clock second and per CPU second of this process (the machine is shared:
 * the load average is printed, and CPU time is the fairer figure when it is high).
 */
import { loadavg } from "node:os"
import { Chunk, Effect, Option, Stream } from "effect"
import { ContactSink, Mapping, SourceRow, Sync, SyncReport } from "../src/index.js"
import type { BatchAccepted } from "../src/index.js"

const CHUNK = 1000
const LIST = "9fc6ad7d-902a-4834-b161-a4911b883d44"
const cities = ["Madrid", "Paris", "Tokyo", "Berlin", "Lisbon", "Oslo", "Rome", "Vienna"]

const separateColumns = Mapping.make({
  listId: LIST,
  key: "external_id",
  fields: {
    email: "email",
    emailOptIn: "newsletter",
    mobileCountryCode: "cc",
    mobileNumber: "mobile",
    mobileOptIn: "sms",
  },
  properties: { "First Name": "first_name", "Last Name": "last_name", City: "city" },
})
const phoneColumn = Mapping.make({
  ...separateColumns.config,
  fields: { email: "email", emailOptIn: "newsletter", phone: "phone", mobileOptIn: "sms" },
  defaultCountry: "GB",
})

const row = (i: number): SourceRow.SourceRow => ({
  position: `line ${i + 2}`,
  fields: {
    external_id: `C-${i}`,
    first_name: "Ada",
    last_name: `Lovelace${i % 97}`,
    email: `ada.${i}@example.com`,
    newsletter: i % 3 === 0 ? "yes" : "no",
    cc: "44",
    mobile: String(7000000000 + i),
    phone: `+44 7${String(100000000 + i).slice(0, 3)} ${String(100000000 + i).slice(3)}`,
    sms: i % 2 === 0 ? "1" : "",
    city: cities[i % cities.length],
  },
})

const source = (rows: number) =>
  Stream.unfoldChunk(0, (start) => {
    if (start >= rows) return Option.none()
    const end = Math.min(rows, start + CHUNK)
    const chunk: Array<SourceRow.SourceRow> = new Array(end - start)
    for (let i = start; i < end; i++) chunk[i - start] = row(i)
    return Option.some([Chunk.unsafeFromArray(chunk), end] as const)
  })

let contactsSent = 0
const counting: ContactSink.Service = {
  upsert: (request) =>
    Effect.sync((): BatchAccepted.BatchAccepted => {
      contactsSent += request.createUpdateContacts.length
      return {
        status: "Success",
        message: "queued",
        data: {
          batchId: "b",
          processed: "",
          status: 0,
          message: "",
          invalidPropertiesList: [],
          invalidContactIdList: [],
          balance: {},
        },
      }
    }),
}

interface Timing {
  readonly wall: number
  readonly cpu: number
}

const timeSync = async (rows: number, mapping: Mapping.Mapping): Promise<Timing> => {
  contactsSent = 0
  const start = performance.now()
  const cpuStart = process.cpuUsage()
  const report = await Effect.runPromise(
    Sync.run({ name: "bench", source: source(rows), mapping }).pipe(
      Effect.provideService(ContactSink.ContactSink, counting),
    ),
  )
  const wall = (performance.now() - start) / 1000
  const cpu = process.cpuUsage(cpuStart)
  if (!SyncReport.isComplete(report) || report.accepted !== rows || contactsSent !== rows)
    throw new Error(`bench run lost rows: ${SyncReport.summary(report)}`)
  return { wall, cpu: (cpu.user + cpu.system) / 1e6 }
}

const timeSource = async (rows: number): Promise<Timing> => {
  const start = performance.now()
  const cpuStart = process.cpuUsage()
  await Effect.runPromise(Stream.runDrain(source(rows)))
  const cpu = process.cpuUsage(cpuStart)
  return { wall: (performance.now() - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6 }
}

const timeMapOnly = (rows: number, mapping: Mapping.Mapping) => {
  const all = Array.from({ length: rows }, (_, i) => row(i))
  const start = performance.now()
  let mapped = 0
  for (const r of all) if (mapping.map(r)._tag === "Mapped") mapped++
  const seconds = (performance.now() - start) / 1000
  if (mapped !== rows) throw new Error("rows were rejected")
  return seconds
}

const median = (values: ReadonlyArray<number>) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const medianTiming = (timings: ReadonlyArray<Timing>): Timing => ({
  wall: median(timings.map((t) => t.wall)),
  cpu: median(timings.map((t) => t.cpu)),
})
const rate = (rows: number, seconds: number) => `${Math.round(rows / seconds).toLocaleString("en-US")} rows/s`
const rates = (rows: number, t: Timing) =>
  `${rate(rows, t.wall)} wall (${t.wall.toFixed(2)} s), ${rate(rows, t.cpu).replace("rows/s", "rows per CPU-s")}`
const load = () => `load average ${loadavg()[0]!.toFixed(1)} on ${process.env.BENCH_CORES ?? "2"} cores`
const rssMb = () => (process.resourceUsage().maxRSS / 1024).toFixed(0)
const heapMb = () => {
  globalThis.gc?.()
  return (process.memoryUsage().heapUsed / 1024 / 1024).toFixed(0)
}

const ONE_M = 1_000_000
console.log(`(${load()})`)
await timeSync(100_000, separateColumns) // warm-up

const sourceOnly = medianTiming([await timeSource(ONE_M), await timeSource(ONE_M), await timeSource(ONE_M)])
console.log(`source alone, generating 1M rows in chunks of ${CHUNK}: ${rates(ONE_M, sourceOnly)}`)

const pipeline = medianTiming([
  await timeSync(ONE_M, separateColumns),
  await timeSync(ONE_M, separateColumns),
  await timeSync(ONE_M, separateColumns),
])
console.log(
  `pipeline, 1M rows, country code + number in separate columns (median of 3): ${rates(ONE_M, pipeline)} (goal >= 500,000 rows/s)`,
)
console.log(
  `  the pipeline without generating the rows: ${rates(ONE_M, { wall: pipeline.wall - sourceOnly.wall, cpu: pipeline.cpu - sourceOnly.cpu })}`,
)
const rssAfter1M = rssMb()
console.log(`  peak RSS after the 1M-row runs: ${rssAfter1M} MB; heap after gc: ${heapMb()} MB`)
// Right after the 1M-row runs, before anything that holds rows (the mapping-alone runs below keep
// 200k rows in an array), so that the two peaks compare the pipeline alone.
const three = await timeSync(3 * ONE_M, separateColumns)
console.log(`pipeline, 3M rows, separate columns: ${rates(3 * ONE_M, three)}`)
console.log(
  `  peak RSS after 1M rows: ${rssAfter1M} MB; after 3M rows: ${rssMb()} MB; heap after gc: ${heapMb()} MB`,
)

const mapSeparate = median([
  timeMapOnly(200_000, separateColumns),
  timeMapOnly(200_000, separateColumns),
  timeMapOnly(200_000, separateColumns),
])
const mapPhone = median([
  timeMapOnly(200_000, phoneColumn),
  timeMapOnly(200_000, phoneColumn),
  timeMapOnly(200_000, phoneColumn),
])
console.log(
  `mapping alone, separate columns: ${rate(200_000, mapSeparate)} (${((mapSeparate / 200_000) * 1e6).toFixed(2)} µs/row)`,
)
console.log(
  `mapping alone, one E.164 phone column (libphonenumber-js): ${rate(200_000, mapPhone)} (${((mapPhone / 200_000) * 1e6).toFixed(2)} µs/row; E.164 parsing costs ${(((mapPhone - mapSeparate) / 200_000) * 1e6).toFixed(2)} µs/row, ${(mapPhone / mapSeparate).toFixed(1)}x the separate-column mapping)`,
)
const phonePipeline = medianTiming([
  await timeSync(ONE_M, phoneColumn),
  await timeSync(ONE_M, phoneColumn),
  await timeSync(ONE_M, phoneColumn),
])
console.log(`pipeline, 1M rows, one E.164 phone column (median of 3): ${rates(ONE_M, phonePipeline)}`)

console.log(`(${load()})`)
