/**
 * The generated export of the soak and the crash loop, and what the CRM must hold after it: one
 * row in 200 has an invalid email (rejected), and one in 200 is followed by a later row with the
 * same key and a new name (the later one wins, the earlier is superseded). A next export renames
 * the first `renamed` rows.
 */
import { Effect } from "effect"
import { createWriteStream } from "node:fs"
import { once } from "node:events"
import type { RunningSandbox } from "../../../packages/cli/test/helpers.js"

export const HEADER = "id,email,first_name,newsletter"

export interface Expected {
  readonly read: number
  readonly rejected: number
  readonly superseded: number
  /** email → First Name of every contact the CRM must hold. */
  readonly names: ReadonlyMap<string, string>
}

const nameOf = (i: number, renamed: number) => `${i <= renamed ? "Renamed" : "Name"} ${i}`

export const expected = (rows: number, tag: string, renamed = 0): Expected => {
  const names = new Map<string, string>()
  let rejected = 0
  let superseded = 0
  for (let i = 1; i <= rows; i++) {
    if (i % 200 === 100) rejected++
    else names.set(`person${i}@${tag}.example.com`, i % 200 === 1 ? `Later ${i}` : nameOf(i, renamed))
    if (i % 200 === 1) superseded++
  }
  return { read: rows + superseded, rejected, superseded, names }
}

export const write = async (path: string, rows: number, tag: string, renamed = 0): Promise<void> => {
  const out = createWriteStream(path)
  out.write(`${HEADER}\n`)
  let buffer = ""
  for (let i = 1; i <= rows; i++) {
    const email = i % 200 === 100 ? `person${i}-at-${tag}` : `person${i}@${tag}.example.com`
    buffer += `K${i},${email},${nameOf(i, renamed)},${i % 2 === 0 ? "yes" : "no"}\n`
    if (i % 200 === 1) buffer += `K${i},${email},Later ${i},yes\n`
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await once(out, "drain")
      buffer = ""
    }
  }
  out.end(buffer)
  await once(out, "finish")
}

/** What the CRM's list holds that differs from `expected`: missing, extra or wrongly named contacts. */
export const differences = async (
  sandbox: RunningSandbox,
  want: Expected,
): Promise<{
  readonly held: number
  readonly missing: number
  readonly extra: number
  readonly wrong: number
}> => {
  const stored = await Effect.runPromise(sandbox.service.contacts(sandbox.listId))
  const seen = new Set<string>()
  let extra = 0
  let wrong = 0
  for (const contact of stored) {
    const email = contact.email ?? ""
    const name = contact.properties.find((p) => p.propertyName === "First Name")?.propertyValue
    if (!want.names.has(email) || seen.has(email)) {
      extra++
      continue
    }
    seen.add(email)
    if (want.names.get(email) !== name) wrong++
  }
  return { held: stored.length, missing: want.names.size - seen.size, extra, wrong }
}
