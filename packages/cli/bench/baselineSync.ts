/**
 * The hand-written baseline of the side-by-side benchmark (sideBySide.bench.ts): what a person
 * writes in an afternoon instead of brainsync — stream-parse the CSV with papaparse, POST batches
 * of 100 with fetch, at most 4 in flight, a 429 or 5xx retried after a short wait. It keeps no
 * state, so a second run sends everything again.
 *
 * `node baselineSync.bundle.mjs <csv> <baseUrl> <listId> <papaparse main file>`, the token in
 * MAINBRAINER_TOKEN; prints one JSON line: rows, requests, failed batches.
 */
import { createReadStream } from "node:fs"
import { createRequire } from "node:module"
import type { Readable } from "node:stream"

/** The part of papaparse this uses (it is loaded from adapters-csv's install, where it is a dependency). */
interface Papa {
  readonly NODE_STREAM_INPUT: unique symbol
  readonly parse: (
    input: symbol,
    config: { readonly header: boolean; readonly skipEmptyLines: boolean },
  ) => NodeJS.ReadWriteStream
}

const [csv, baseUrl, listId, papaparse] = process.argv.slice(2) as [string, string, string, string]
const token = process.env["MAINBRAINER_TOKEN"] ?? ""
const Papa = createRequire(import.meta.url)(papaparse) as Papa

const BATCH = 100
const IN_FLIGHT = 4
let requests = 0
let failed = 0

const contactOf = (row: Record<string, string>) => ({
  listId,
  email: row["email"] || null,
  mobileCountryCode: row["country_code"] ? Number(row["country_code"]) : null,
  mobileNumber: row["mobile"] ? Number(row["mobile"]) : null,
  emailOptIn: row["newsletter"] === "true",
  propertyFields: [
    { propertyName: "First Name", propertyValue: row["first_name"] ?? "" },
    { propertyName: "Last Name", propertyValue: row["last_name"] ?? "" },
    { propertyName: "Company", propertyValue: row["company"] ?? "" },
    { propertyName: "City", propertyValue: row["city"] ?? "" },
  ],
})

const post = async (contacts: ReadonlyArray<unknown>): Promise<void> => {
  const body = JSON.stringify({ listId, createUpdateContacts: contacts })
  for (let attempt = 1; attempt <= 5; attempt++) {
    requests++
    const status = await fetch(`${baseUrl}/contacts/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
    }).then(
      async (response) => {
        await response.arrayBuffer()
        return response.status
      },
      () => 0,
    )
    if (status === 202) return
    if (status !== 429 && status !== 0 && status < 500) break
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt))
  }
  failed++
}

const inFlight = new Set<Promise<void>>()
const send = async (contacts: ReadonlyArray<unknown>) => {
  while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
  const sending = post(contacts).finally(() => inFlight.delete(sending))
  inFlight.add(sending)
}

// papaparse in stream mode needs the file decoded as UTF-8 by the file stream (see DESIGN.md).
const rows = createReadStream(csv, { encoding: "utf8" }).pipe(
  Papa.parse(Papa.NODE_STREAM_INPUT, { header: true, skipEmptyLines: true }),
) as unknown as Readable
let read = 0
let batch: Array<unknown> = []
for await (const row of rows) {
  read++
  batch.push(contactOf(row as Record<string, string>))
  if (batch.length === BATCH) {
    await send(batch)
    batch = []
  }
}
if (batch.length > 0) await send(batch)
await Promise.all(inFlight)
console.log(JSON.stringify({ rows: read, requests, failed }))
