/**
 * The configuration `brainsync init` writes: JSON with `//` comments that say what each setting
 * is and why init chose it, which `brainsync sync` reads as it is.
 */
import { existsSync, realpathSync } from "node:fs"
import { dirname, isAbsolute, join, relative, sep } from "node:path"
import { pathToFileURL } from "node:url"
import type * as Encoding from "./encoding.js"
import type { Guess } from "./guess.js"
import { packageFile } from "./packageFolder.js"

const SANDBOX_LIST_ID = "9fc6ad7d-902a-4834-b161-a4911b883d44"

export const json = (value: string) => JSON.stringify(value)

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

/** How the file is read, as the configuration's `source` says it, and why when it is not plain UTF-8. */
export interface Reading {
  readonly delimiter: string | undefined
  /** Written into the configuration; `undefined` for UTF-8, which needs no setting. */
  readonly encoding: Encoding.Encoding | undefined
  /** Why the file is read in that encoding: detected, or given. */
  readonly encodingWhy: string
}

const entries = (pairs: ReadonlyArray<readonly [string, string]>, indent: string) =>
  pairs.map(([a, b], i) => `${indent}${json(a)}: ${json(b)}${i < pairs.length - 1 ? "," : ""}`).join("\n")

/** The configuration text. */
export const render = (
  csvPath: string,
  name: string,
  guessed: Guess,
  reading: Reading,
  schemaPath: string,
): string => {
  const { key, fields, properties } = guessed
  const source = [
    `"kind": "csv"`,
    `"path": ${json(csvPath)}`,
    ...(reading.delimiter !== undefined ? [`"delimiter": ${json(reading.delimiter)}`] : []),
    ...(reading.encoding !== undefined ? [`"encoding": ${json(reading.encoding)}`] : []),
  ]
  return `// brainsync configuration, written by \`brainsync init\` from the header and first rows of ${csvPath}.
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
  // Where the rows come from; a relative path is relative to this file.${reading.encoding !== undefined ? `\n  // "encoding": ${reading.encodingWhy}.` : ""}
  "source": { ${source.join(", ")} },
  // The column that identifies a row: rows with the same key are one contact (an email key is
  // compared lowercased and trimmed). Chosen because ${key.why}.
  "key": ${json(key.column)},
  // Contact field -> column. One of email, phone, mobileNumber or contactId identifies the contact in the CRM.
  // phone takes E.164 (+44 7911 123456) or national numbers, read in the row's phoneCountry column
  // (an ISO code: FR, DE) or else in defaultCountry.
  "fields": {
${entries(
  fields.map((choice) => [choice.field, choice.column] as const),
  "    ",
)}
  },
  "defaultCountry": "US",
  // CRM property name -> column (or "propertyIds": { "<uuid>": "column" }). Each must exist in the
  // CRM: a property it does not know stops the sync (create it there, or remove it here).
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
