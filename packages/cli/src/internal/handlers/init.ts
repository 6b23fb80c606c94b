/**
 * `brainsync init --csv FILE`: writes a commented starting configuration (JSONC) from the CSV's
 * header and first rows, and says on its output what it chose and why: the file's encoding
 * (detected, or `--encoding`), the key, the email, the phone and the column of each row's country,
 * the opt-ins (`guess.ts`); every other column becomes a CRM property. The result is meant to be
 * read and edited, then used as is.
 */
import * as CsvSource from "@brainsync/adapters-csv/CsvSource"
import { Chunk, Effect, Option, Stream } from "effect"
import { existsSync, mkdirSync, realpathSync, writeFileSync } from "node:fs"
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path"
import { pathToFileURL } from "node:url"
import type { Args } from "../commands/init.js"
import * as Encoding from "../encoding.js"
import * as Exit from "../exit.js"
import { type Choice, guess, type Guess } from "../guess.js"
import { packageFile } from "../packageFolder.js"
import { detectEncoding } from "../source.js"

const SANDBOX_LIST_ID = "9fc6ad7d-902a-4834-b161-a4911b883d44"

/** Rows read for the guesses that look at values (the key's, the country column's). */
const SAMPLE_ROWS = 50

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

/** The configuration text: JSON with `//` comments, which `brainsync sync` reads as it is. */
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

/** `tab` and `\\t` spell a tab, which a shell argument cannot hold easily. */
const spelledDelimiter = (text: string) => (text === "tab" || text === "\\t" ? "\t" : text)

const printWarning = (warning: string) =>
  Effect.sync(() => void process.stderr.write(`brainsync: warning: ${warning}\n`))

/** The encoding to read the file with: `--encoding`, else detected from its first bytes. */
const encodingOf = (args: Args) =>
  Effect.gen(function* () {
    if (Option.isSome(args.encoding))
      return { encoding: args.encoding.value, encodingWhy: "given with --encoding" }
    const detected = yield* detectEncoding(args.csv)
    const why = Encoding.describe(args.csv, detected)
    if (detected.encoding === undefined)
      return yield* Exit.usage(`${why}; ${Encoding.unreadable}, or pass --encoding if it is in one of them`)
    if (why !== undefined) return { encoding: detected.encoding, encodingWhy: `detected, ${why}` }
    if (detected.notUtf8 !== undefined)
      yield* printWarning(
        `${Encoding.notUtf8(args.csv, detected.notUtf8)}, though the rest of it is UTF-8: sync will reject that row`,
      )
    return {
      encoding: undefined,
      encodingWhy: detected.bom
        ? "detected, UTF-8 with a byte order mark (as Excel writes it); nothing to set"
        : "detected, its first bytes are UTF-8; nothing to set",
    }
  })

const line = (choice: Choice) => `  ${choice.field.padEnd(13)}← ${json(choice.column)}: ${choice.why}`

/** What init chose and why, for its output. */
const explain = (output: string, guessed: Guess, reading: Reading): ReadonlyArray<string> => {
  const { key, fields, properties } = guessed
  return [
    `Wrote ${output}: key "${key.column}", ${fields.map((choice) => `${choice.field} ← ${choice.column}`).join(", ")}; ${properties.length} properties.`,
    `  ${"encoding".padEnd(13)}${reading.encoding ?? "utf-8"}: ${reading.encodingWhy}`,
    ...(reading.delimiter !== undefined
      ? [`  ${"delimiter".padEnd(13)}${json(reading.delimiter)}: given with --delimiter`]
      : []),
    line(key),
    ...fields.map(line),
    properties.length === 0
      ? `  ${"properties".padEnd(13)}none: every column feeds a field`
      : `  ${"properties".padEnd(13)}← ${properties.map(([, column]) => column).join(", ")}: the other columns, each a CRM property of that name (the CRM must know it)`,
    `Read it and adjust (crm.baseUrl, crm.listId, defaultCountry), then try it without sending anything:`,
    `  brainsync sync --config ${output} --dry-run`,
    "",
  ]
}

export const handle = (args: Args) =>
  Effect.gen(function* () {
    const output = resolve(args.output)
    if (existsSync(output) && !args.force)
      return yield* Exit.usage(`${args.output} exists; pass --force to overwrite it`)
    const delimiter = Option.getOrUndefined(Option.map(args.delimiter, spelledDelimiter))
    const { encoding, encodingWhy } = yield* encodingOf(args)
    const reading: Reading = { delimiter, encoding, encodingWhy }
    const sample = yield* CsvSource.fromFile(args.csv, {
      ...(delimiter !== undefined ? { delimiter } : {}),
      ...(encoding !== undefined ? { encoding } : {}),
      onWarning: printWarning,
    }).pipe(
      Stream.take(SAMPLE_ROWS),
      Stream.runCollect,
      Effect.mapError((error) => Exit.usage(error.message)),
    )
    const rows = Chunk.toReadonlyArray(sample).filter((row) => row.malformed === undefined)
    const first = Chunk.head(sample)
    if (rows.length === 0)
      return yield* Exit.usage(
        `${args.csv}: needs a header line and at least one well-formed row${
          first._tag === "Some" && first.value.malformed !== undefined
            ? ` (${first.value.position}: ${first.value.malformed})`
            : ""
        }`,
      )
    const columns = Object.keys(rows[0]!.fields)
    const guessed = guess(
      columns,
      rows.map((row) =>
        Object.fromEntries(columns.map((column) => [column, String(row.fields[column] ?? "")])),
      ),
    )
    const fromOutput = relative(dirname(output), resolve(args.csv))
    const csvPath = fromOutput.startsWith("..") ? resolve(args.csv) : fromOutput
    yield* Effect.try({
      try: () => {
        mkdirSync(dirname(output), { recursive: true })
        writeFileSync(output, render(csvPath, args.name, guessed, reading, schemaReference(dirname(output))))
      },
      catch: (error) => Exit.usage(`cannot write ${args.output}: ${String(error)}`),
    })
    process.stdout.write(explain(args.output, guessed, reading).join("\n"))
  })
