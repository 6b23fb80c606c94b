/** The configured source as a stream of rows, and how far through it the run is when its size is known. */
import * as CsvEncoding from "@brainsync/adapters-csv/CsvEncoding"
import * as CsvSource from "@brainsync/adapters-csv/CsvSource"
import type { SourceRow } from "@brainsync/core"
import { Effect, Redacted, Stream } from "effect"
import { createReadStream } from "node:fs"
import type * as SyncConfig from "../SyncConfig.js"
import * as Encoding from "./encoding.js"
import * as Exit from "./exit.js"
import * as InputFile from "./inputFile.js"

export interface Opened {
  readonly rows: Stream.Stream<SourceRow.SourceRow, SourceRow.SourceError>
  /** Bytes read / file size, for a file. */
  readonly fraction: (() => number) | undefined
  readonly label: string
}

/** The encoding of the CSV file at `path`, from its first bytes. */
export const detectEncoding = (path: string) =>
  CsvEncoding.detectFile(path).pipe(Effect.mapError((error) => Exit.usage(error.message)))

/**
 * A file read without `encoding` is read as UTF-8: one whose first bytes say otherwise stops the
 * command before anything is sent (read as UTF-8, each of its rows with an accent would be rejected).
 * A few invalid bytes in UTF-8 text only get their rows rejected.
 */
const mustBeUtf8 = (path: string) =>
  Effect.gen(function* () {
    const detected = yield* detectEncoding(path)
    const problem = Encoding.describe(path, detected)
    if (problem === undefined) return
    return yield* Exit.usage(
      `source.encoding: ${problem}; ${
        detected.encoding === undefined
          ? `${Encoding.unreadable}, or set source.encoding to the one it is in`
          : `set source.encoding to "${detected.encoding}" (brainsync init writes it)`
      }`,
    )
  })

/** A warning: one line on standard error. */
export const printWarning = (warning: string) =>
  Effect.sync(() => void process.stderr.write(`brainsync: warning: ${warning}\n`))

/** Prints each of the source's warnings once (the source may be read more than once). */
const warnOnce = () => {
  const printed = new Set<string>()
  return (warning: string) =>
    Effect.suspend(() => {
      if (printed.has(warning)) return Effect.void
      printed.add(warning)
      return printWarning(warning)
    })
}

const csv = (config: typeof SyncConfig.CsvSourceConfig.Type): Effect.Effect<Opened, Exit.CliFailure> =>
  Effect.gen(function* () {
    const options: CsvSource.Options = {
      ...(config.delimiter !== undefined ? { delimiter: config.delimiter } : {}),
      ...(config.encoding !== undefined ? { encoding: config.encoding } : {}),
      ...(config.header !== undefined ? { header: config.header } : {}),
      ...(config.columns !== undefined ? { columns: config.columns } : {}),
    }
    const problem = CsvSource.optionsProblem(options)
    if (problem !== undefined) return yield* Exit.usage(`source: ${problem}`)
    const size = yield* InputFile.size(config.path, "source.path", "CSV file")
    if (config.encoding === undefined) yield* mustBeUtf8(config.path)
    let bytes = 0
    const open = () => {
      bytes = 0
      const stream = createReadStream(config.path, { highWaterMark: CsvSource.readSize })
      stream.on("data", (piece) => (bytes += piece.length))
      return stream
    }
    return {
      rows: CsvSource.fromReadable(open, { ...options, onWarning: warnOnce() }, config.path),
      fraction: () => (size === 0 ? 1 : Math.min(1, bytes / size)),
      label: config.path,
    }
  })

const secretFromEnv = (name: string) =>
  Effect.gen(function* () {
    const value = process.env[name]
    if (value === undefined || value === "")
      return yield* Exit.usage(`source.auth: the environment variable ${name} is not set`)
    return Redacted.make(value)
  })

const http = (config: typeof SyncConfig.HttpSourceConfig.Type): Effect.Effect<Opened, Exit.CliFailure> =>
  Effect.gen(function* () {
    const HttpSource = yield* Effect.promise(() => import("@brainsync/adapters-http/HttpSource"))
    const NodeHttpClient = yield* Effect.promise(() => import("@effect/platform-node/NodeHttpClient"))
    const p = config.pagination
    const pagination =
      p.type === "page"
        ? HttpSource.pageNumber({
            ...(p.param !== undefined ? { param: p.param } : {}),
            ...(p.first !== undefined ? { first: p.first } : {}),
            ...(p.sizeParam !== undefined ? { sizeParam: p.sizeParam } : {}),
            ...(p.size !== undefined ? { size: p.size } : {}),
          })
        : p.type === "offset"
          ? HttpSource.offsetLimit({
              limit: p.limit,
              ...(p.offsetParam !== undefined ? { offsetParam: p.offsetParam } : {}),
              ...(p.limitParam !== undefined ? { limitParam: p.limitParam } : {}),
            })
          : p.type === "cursor"
            ? HttpSource.cursor({
                cursorPath: p.cursorPath,
                ...(p.param !== undefined ? { param: p.param } : {}),
              })
            : HttpSource.linkHeader
    const auth =
      config.auth === undefined
        ? undefined
        : "bearerEnv" in config.auth
          ? HttpSource.bearer(yield* secretFromEnv(config.auth.bearerEnv))
          : HttpSource.header(config.auth.header, yield* secretFromEnv(config.auth.valueEnv))
    const rows = HttpSource.make({
      url: config.url,
      pagination,
      items: config.items,
      auth,
      headers: config.headers,
    })
    return {
      rows: Stream.provideLayer(rows, NodeHttpClient.layerUndici),
      fraction: undefined,
      label: config.url,
    }
  })

const sql = (config: typeof SyncConfig.SqlSourceConfig.Type): Effect.Effect<Opened, Exit.CliFailure> =>
  Effect.gen(function* () {
    yield* InputFile.size(config.sqlite, "source.sqlite", "SQLite database")
    const SqlSource = yield* Effect.promise(() => import("@brainsync/adapters-sql/SqlSource"))
    const common = {
      cursor: config.cursor,
      ...(config.pageSize !== undefined ? { pageSize: config.pageSize } : {}),
    }
    const rows =
      config.table !== undefined
        ? SqlSource.fromTable({ ...common, table: config.table, columns: config.columns })
        : SqlSource.fromQuery({ ...common, query: config.query ?? "", params: config.params })
    // Read-only: the user's database is not switched to WAL or written.
    const client = SqlSource.sqliteClient(config.sqlite)
    return { rows: Stream.provideLayer(rows, client), fraction: undefined, label: config.sqlite }
  })

export const open = (config: SyncConfig.Source): Effect.Effect<Opened, Exit.CliFailure> =>
  config.kind === "csv" ? csv(config) : config.kind === "http" ? http(config) : sql(config)
