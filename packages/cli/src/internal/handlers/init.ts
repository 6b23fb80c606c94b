/**
 * `brainsync init --csv FILE`: writes a commented starting configuration (JSONC) from the CSV's
 * header and first rows, and says on its output what it chose and why: the file's encoding
 * (detected, or `--encoding`), the key, the email, the phone and the column of each row's country,
 * the opt-ins (`guess.ts`); every other column becomes a CRM property. The result is meant to be
 * read and edited, then used as is.
 */
import * as CsvSource from "@brainsync/adapters-csv/CsvSource"
import { Chunk, Effect, Option, Stream } from "effect"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { dirname, relative, resolve } from "node:path"
import type { Args } from "../commands/init.js"
import * as Encoding from "../encoding.js"
import * as Exit from "../exit.js"
import * as InputFile from "../inputFile.js"
import { type Choice, guess, type Guess } from "../guess.js"
import { json, type Reading, render, schemaReference } from "../initTemplate.js"
import * as Source from "../source.js"

/** Rows read for the guesses that look at values (the key's, the country column's). */
const SAMPLE_ROWS = 50

/** `tab` and `\\t` spell a tab, which a shell argument cannot hold easily. */
const spelledDelimiter = (text: string) => (text === "tab" || text === "\\t" ? "\t" : text)

/** The encoding to read the file with: `--encoding`, else detected from its first bytes. */
const encodingOf = (args: Args) =>
  Effect.gen(function* () {
    if (Option.isSome(args.encoding))
      return { encoding: args.encoding.value, encodingWhy: "given with --encoding" }
    const detected = yield* Source.detectEncoding(args.csv)
    const why = Encoding.describe(args.csv, detected)
    if (detected.encoding === undefined)
      return yield* Exit.usage(`${why}; ${Encoding.unreadable}, or pass --encoding if it is in one of them`)
    if (why !== undefined) return { encoding: detected.encoding, encodingWhy: `detected, ${why}` }
    if (detected.notUtf8 !== undefined)
      yield* Source.printWarning(
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
      : `  ${"properties".padEnd(13)}${properties.map(([name, column]) => (name === column ? name : `${name} ← ${column}`)).join(", ")}: the other columns, each a CRM property (the CRM must know its name)`,
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
    yield* InputFile.size(args.csv, "--csv", "CSV file")
    const { encoding, encodingWhy } = yield* encodingOf(args)
    const reading: Reading = { delimiter, encoding, encodingWhy }
    const sample = yield* CsvSource.fromFile(args.csv, {
      ...(delimiter !== undefined ? { delimiter } : {}),
      ...(encoding !== undefined ? { encoding } : {}),
      onWarning: Source.printWarning,
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
    const [only] = columns
    if (columns.length === 1 && only !== undefined && /[,;\t|]/.test(only))
      return yield* Exit.usage(
        `${args.csv}: the header reads as one column, ${JSON.stringify(only)}${delimiter === undefined ? "" : ` with the delimiter ${JSON.stringify(delimiter)}`}: give the file's delimiter with --delimiter`,
      )
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
