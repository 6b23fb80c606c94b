/**
 * `brainsync init --csv FILE`: writes a commented starting configuration (JSONC) from the CSV's
 * header, guessing which columns are the key, the email, the phone and the opt-ins; every other
 * column becomes a CRM property. The result is meant to be read and edited, then used as is.
 */
import { CsvSource } from "@brainsync/adapters-csv"
import { Chunk, Effect, Stream } from "effect"
import { existsSync, mkdirSync, realpathSync, writeFileSync } from "node:fs"
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path"
import { pathToFileURL } from "node:url"
import type { Args } from "../commands/init.js"
import * as Exit from "../exit.js"
import { packageFile } from "../packageFolder.js"

const SANDBOX_LIST_ID = "9fc6ad7d-902a-4834-b161-a4911b883d44"

const find = (columns: ReadonlyArray<string>, taken: Set<string>, ...patterns: ReadonlyArray<RegExp>) => {
  for (const pattern of patterns) {
    const found = columns.find((column) => !taken.has(column) && pattern.test(column))
    if (found !== undefined) {
      taken.add(found)
      return found
    }
  }
  return undefined
}

/** `first_name` → `First Name`. */
const propertyName = (column: string) =>
  column
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .split(/[\s_-]+/)
    .filter((word) => word !== "")
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(" ")

export interface Guess {
  readonly key: string
  readonly fields: ReadonlyArray<readonly [field: string, column: string]>
  readonly properties: ReadonlyArray<readonly [name: string, column: string]>
}

export const guess = (columns: ReadonlyArray<string>): Guess => {
  const taken = new Set<string>()
  const key =
    find(columns, taken, /^(external[_ -]?id|customer[_ -]?id|contact[_ -]?key|uuid|key|id)$/i, /id$/i) ??
    (taken.add(columns[0]!), columns[0]!)
  const fields: Array<readonly [string, string]> = []
  const add = (field: string, column: string | undefined) => {
    if (column !== undefined) fields.push([field, column])
  }
  add("emailOptIn", find(columns, taken, /newsletter|e-?mail.*opt|subscri|marketing/i))
  add("mobileOptIn", find(columns, taken, /sms|mobile.*opt|phone.*opt|text.*opt/i))
  add("email", find(columns, taken, /^e-?mail$/i, /e-?mail/i))
  add("phone", find(columns, taken, /^(phone|mobile|cell)$/i, /phone|mobile|cell/i))
  add("contactId", find(columns, taken, /^(mainbrainer|crm)[_ -]?(contact[_ -]?)?id$/i))
  const properties = columns
    .filter((column) => !taken.has(column))
    .map((column) => [propertyName(column), column] as const)
  return { key, fields, properties }
}

const json = (value: string) => JSON.stringify(value)

const SCHEMA = "dist/brainsync.schema.json"

/**
 * The schema as the project names it: through the nearest `node_modules/@brainsync/cli` above
 * `folder` when that is this package, so the path survives upgrades (pnpm's real path holds the
 * version); otherwise the file itself.
 */
const installedSchema = (folder: string, schema: string) => {
  for (let dir = folder; ; dir = dirname(dir)) {
    const linked = join(dir, "node_modules/@brainsync/cli", SCHEMA)
    if (existsSync(linked) && realpathSync(linked) === realpathSync(schema)) return linked
    if (dirname(dir) === dir) return schema
  }
}

/**
 * The configuration's JSON Schema (written by the build), as `"$schema"` names it from a file in
 * `folder`: `./x` or `../x`, with forward slashes on every system. On another Windows drive there
 * is no relative path; then it is a `file:` URL.
 */
export const schemaReference = (folder: string, schema: string = packageFile(SCHEMA)) => {
  const named = installedSchema(folder, schema)
  const path = relative(folder, named)
  if (isAbsolute(path)) return pathToFileURL(named).href
  const slashed = path.split(sep).join("/")
  return slashed.startsWith("../") ? slashed : `./${slashed}`
}

/** The configuration text: JSON with `//` comments, which `brainsync sync` reads as it is. */
export const render = (
  csvPath: string,
  name: string,
  columns: ReadonlyArray<string>,
  schemaPath: string,
): string => {
  const { key, fields, properties } = guess(columns)
  const entries = (pairs: ReadonlyArray<readonly [string, string]>, indent: string) =>
    pairs.map(([a, b], i) => `${indent}${json(a)}: ${json(b)}${i < pairs.length - 1 ? "," : ""}`).join("\n")
  return `// brainsync configuration, written by \`brainsync init\` from the header of ${csvPath}.
// JSON with comments: // and /* */ comments and trailing commas are allowed.
// Run it:  MAINBRAINER_TOKEN=... brainsync sync --config <this file>   (add --dry-run to send nothing)
{
  // The file's JSON Schema (it comes with brainsync): editors complete and check this file with it.
  "$schema": ${json(schemaPath)},
  // Names this sync in reports and in the state file.
  "name": ${json(name)},
  "crm": {
    // The CRM's API; /contacts/batch is appended. \`brainsync sandbox\` serves one on http://127.0.0.1:4010.
    "baseUrl": "http://127.0.0.1:4010",
    // The list the contacts go to (this one is the sandbox's default list).
    "listId": ${json(SANDBOX_LIST_ID)}
  },
  // Where the rows come from; a relative path is relative to this file.
  "source": { "kind": "csv", "path": ${json(csvPath)} },
  // The column that identifies a row: rows with the same key are one contact.
  "key": ${json(key)},
  // Contact field -> column. One of email, phone, mobileNumber or contactId identifies the contact in the CRM.
  // phone takes E.164 (+44 7911 123456) or national numbers in defaultCountry's format.
  "fields": {
${entries(fields, "    ")}
  },
  "defaultCountry": "US",
  // CRM property name -> column (or "propertyIds": { "<uuid>": "column" }).
  "properties": {
${entries(properties, "    ")}
  },
  // Contacts per request (the CRM recommends 100 or fewer), the CRM's rate limit, requests in flight.
  "batchSize": 100,
  "requestsPerSecond": 10,
  "concurrency": 4,
  // "none": rows end "accepted" on the 202. A webhook receiver gets each contact's final result
  // (inserted / updated / skipped); set publicUrl when the CRM reaches this machine through a tunnel.
  "results": { "webhook": { "listen": "127.0.0.1:0" } },
  // Remembers what was sent (unchanged rows are not sent again), dead letters and runs.
  "state": ".brainsync/${name}.db",
}
`
}

export const handle = (args: Args) =>
  Effect.gen(function* () {
    const output = resolve(args.output)
    if (existsSync(output) && !args.force)
      return yield* Exit.usage(`${args.output} exists; pass --force to overwrite it`)
    const first = yield* CsvSource.fromFile(args.csv).pipe(
      Stream.take(1),
      Stream.runCollect,
      Effect.mapError((error) => Exit.usage(error.message)),
    )
    const row = Chunk.head(first)
    if (row._tag === "None" || row.value.malformed !== undefined)
      return yield* Exit.usage(`${args.csv}: needs a header line and at least one well-formed row`)
    const columns = Object.keys(row.value.fields)
    const fromOutput = relative(dirname(output), resolve(args.csv))
    const csvPath = fromOutput.startsWith("..") ? resolve(args.csv) : fromOutput
    yield* Effect.try({
      try: () => {
        mkdirSync(dirname(output), { recursive: true })
        writeFileSync(output, render(csvPath, args.name, columns, schemaReference(dirname(output))))
      },
      catch: (error) => Exit.usage(`cannot write ${args.output}: ${String(error)}`),
    })
    const { key, fields, properties } = guess(columns)
    process.stdout.write(
      [
        `Wrote ${args.output}: key "${key}", ${fields.map(([field, column]) => `${field} ← ${column}`).join(", ")}; ${properties.length} properties.`,
        `Read it and adjust (crm.baseUrl, crm.listId, defaultCountry), then try it without sending anything:`,
        `  brainsync sync --config ${args.output} --dry-run`,
        "",
      ].join("\n"),
    )
  })
