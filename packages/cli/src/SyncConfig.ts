/**
 * The configuration file of `brainsync sync` (`brainsync.json`): JSON with comments (JSONC:
 * `//` and `/* *\/` comments and trailing commas are allowed), decoded with Schema. The mapping
 * part (`key`, `fields`, `properties`, `propertyIds`, `defaultCountry`) is core's
 * `Mapping.Config`, so the file and the library accept exactly the same mapping.
 *
 * Relative paths (`source.path`, `state`) are relative to the configuration file's folder.
 */
import { Mapping } from "@brainsync/core"
import { Data, Effect, Either, ParseResult, Schema } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { dirname, isAbsolute, resolve } from "node:path"
import * as Jsonc from "./internal/jsonc.js"

const isHttpUrl = (text: string) => {
  try {
    const url = new URL(text)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

const HttpUrl = Schema.String.pipe(
  Schema.filter(isHttpUrl, { message: () => "expected an http:// or https:// URL" }),
)

const PositiveInt = Schema.Int.pipe(Schema.positive())
const Positive = Schema.Number.pipe(Schema.positive())

export const Crm = Schema.Struct({
  /** Where the API lives; `/contacts/batch` is appended. */
  baseUrl: HttpUrl,
  /** The CRM list the contacts go to. */
  listId: Schema.UUID,
  /** Seconds one request may take (default 30). */
  timeoutSeconds: Schema.optional(Positive),
  /** Send the token over plain http:// to a host that is not this machine (default false). */
  allowInsecureToken: Schema.optional(Schema.Boolean),
})

export const CsvSourceConfig = Schema.Struct({
  kind: Schema.Literal("csv"),
  path: Schema.NonEmptyTrimmedString,
  /** `","`, `";"`, `"\t"`, `"|"`, or `"auto"` (default). */
  delimiter: Schema.optional(Schema.String),
  encoding: Schema.optional(Schema.Literal("utf-8", "utf-16le", "utf-16be", "latin1")),
  /** `false` when the file has no header line; then `columns` names the fields. */
  header: Schema.optional(Schema.Boolean),
  columns: Schema.optional(Schema.Array(Schema.String)),
})

const Pagination = Schema.Union(
  Schema.Struct({
    type: Schema.Literal("page"),
    param: Schema.optional(Schema.String),
    first: Schema.optional(Schema.Int),
    sizeParam: Schema.optional(Schema.String),
    size: Schema.optional(PositiveInt),
  }),
  Schema.Struct({
    type: Schema.Literal("offset"),
    limit: PositiveInt,
    offsetParam: Schema.optional(Schema.String),
    limitParam: Schema.optional(Schema.String),
  }),
  Schema.Struct({
    type: Schema.Literal("cursor"),
    cursorPath: Schema.String,
    param: Schema.optional(Schema.String),
  }),
  Schema.Struct({ type: Schema.Literal("link") }),
)

/** Secrets of an HTTP source are named by environment variable, never written in the file. */
const HttpAuth = Schema.Union(
  Schema.Struct({ bearerEnv: Schema.String }),
  Schema.Struct({ header: Schema.String, valueEnv: Schema.String }),
)

export const HttpSourceConfig = Schema.Struct({
  kind: Schema.Literal("http"),
  url: HttpUrl,
  /** Where each page's array of items is in the body (`data.items`); default the body itself. */
  items: Schema.optional(Schema.String),
  pagination: Pagination,
  auth: Schema.optional(HttpAuth),
  headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
})

export const SqlSourceConfig = Schema.Struct({
  kind: Schema.Literal("sql"),
  /** A SQLite database file. */
  sqlite: Schema.NonEmptyTrimmedString,
  /** A table to read, or ... */
  table: Schema.optional(Schema.NonEmptyTrimmedString),
  /** ... a SELECT without ORDER BY / LIMIT (it is paged by the cursor). */
  query: Schema.optional(Schema.NonEmptyTrimmedString),
  params: Schema.optional(
    Schema.Array(Schema.Union(Schema.String, Schema.Number, Schema.Boolean, Schema.Null)),
  ),
  /** The column(s) that order the rows and that each page continues after: unique together. */
  cursor: Schema.Union(Schema.NonEmptyTrimmedString, Schema.NonEmptyArray(Schema.NonEmptyTrimmedString)),
  columns: Schema.optional(Schema.Array(Schema.String)),
  pageSize: Schema.optional(PositiveInt),
}).pipe(
  Schema.filter((source) =>
    (source.table === undefined) !== (source.query === undefined)
      ? true
      : { path: ["table"], message: "give either table or query" },
  ),
)

export const Source = Schema.Union(CsvSourceConfig, HttpSourceConfig, SqlSourceConfig)
export type Source = typeof Source.Type

export const Webhook = Schema.Struct({
  /** `host:port` the receiver listens on; port 0 picks a free one. */
  listen: Schema.String.pipe(
    Schema.pattern(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, {
      message: () => 'expected "host:port", like "127.0.0.1:8787"',
    }),
  ),
  /** The URL the CRM reaches the receiver at, when that is not its own address (a tunnel). */
  publicUrl: Schema.optional(HttpUrl),
})

export const Results = Schema.Union(Schema.Literal("none"), Schema.Struct({ webhook: Webhook }))

export const Mode = Schema.Literal("upsert", "update-only", "insert-only")

const SyncFields = Schema.Struct({
  /** Optional pointer to a JSON schema, ignored. */
  $schema: Schema.optional(Schema.String),
  /** Names the sync in the report and in the state file. */
  name: Schema.NonEmptyTrimmedString,
  crm: Crm,
  source: Source,
  batchSize: Schema.optional(PositiveInt),
  requestsPerSecond: Schema.optional(Positive),
  concurrency: Schema.optional(PositiveInt),
  results: Schema.optional(Results),
  /** A SQLite file that remembers what was sent (so unchanged rows are not sent again), dead letters and runs. */
  state: Schema.optional(Schema.NonEmptyTrimmedString),
  mode: Schema.optional(Mode),
  /** Fail the run (exit 1) when more than this fraction of the rows is rejected (0.05 = 5%). */
  maxRejectRate: Schema.optional(Schema.Number.pipe(Schema.between(0, 1))),
})

/** The whole file: the sync's settings plus core's mapping configuration at the top level. */
export const SyncConfig = Schema.extend(Mapping.Config, SyncFields).annotations({ identifier: "SyncConfig" })
export type SyncConfig = typeof SyncConfig.Type

/** The configuration cannot be used: one line that names the field and what was expected. */
export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly message: string }> {}

const decodeEither = Schema.decodeUnknownEither(SyncConfig, { errors: "all", onExcessProperty: "error" })

const describe = (issue: ParseResult.ArrayFormatterIssue): string => {
  const path = issue.path.map(String).join(".")
  const message = issue.message.replace(/^Expected (.*), actual (.*)$/s, "expected $1, got $2")
  if (issue._tag === "Unexpected" && path !== "") return `${path} is not a known field`
  return path === "" ? message : `${path}: ${message}`
}

/**
 * Decodes parsed JSON; the error names the field at fault. Of a union's alternatives the one that
 * got furthest is reported, and the "or undefined" of optional fields is left out.
 */
export const decode = (input: unknown): Either.Either<SyncConfig, ConfigError> =>
  Either.mapLeft(decodeEither(input), (error) => {
    const all = ParseResult.ArrayFormatter.formatErrorSync(error)
    const useful = all.filter((issue) => !issue.message.startsWith("Expected undefined,"))
    const issues = useful.length > 0 ? useful : all
    const first = issues.reduce<ParseResult.ArrayFormatterIssue | undefined>(
      (best, issue) => (best === undefined || issue.path.length > best.path.length ? issue : best),
      undefined,
    )
    const fields = new Set(issues.map((issue) => issue.path.slice(0, 1).join(".")))
    const more =
      fields.size > 1 ? ` (and problems in ${fields.size - 1} more field${fields.size > 2 ? "s" : ""})` : ""
    return new ConfigError({ message: `${first === undefined ? error.message : describe(first)}${more}` })
  })

/** Makes the file's relative paths absolute, from the folder the file is in. */
export const resolvePaths = (config: SyncConfig, folder: string): SyncConfig => {
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(folder, path))
  return {
    ...config,
    source:
      config.source.kind === "csv"
        ? { ...config.source, path: absolute(config.source.path) }
        : config.source.kind === "sql"
          ? { ...config.source, sqlite: absolute(config.source.sqlite) }
          : config.source,
    ...(config.state !== undefined ? { state: absolute(config.state) } : {}),
  }
}

/** Reads, parses (JSONC) and decodes the file at `path`, with its relative paths resolved. */
export const load = (path: string): Effect.Effect<SyncConfig, ConfigError> =>
  Effect.gen(function* () {
    if (!existsSync(path)) return yield* new ConfigError({ message: `${path}: no such file` })
    const text = yield* Effect.try({
      try: () => readFileSync(path, "utf8"),
      catch: (cause) => new ConfigError({ message: `${path}: cannot read it (${String(cause)})` }),
    })
    const parsed = Jsonc.parse(text)
    if (!parsed.ok) return yield* new ConfigError({ message: `${path}: ${parsed.message}` })
    const config = decode(parsed.value)
    if (Either.isLeft(config)) return yield* new ConfigError({ message: `${path}: ${config.left.message}` })
    return resolvePaths(config.right, dirname(resolve(path)))
  })

/** The mapping the configuration describes, into the configured list. */
export const mapping = (config: SyncConfig, listId: string = config.crm.listId): Mapping.Mapping =>
  Mapping.make({
    listId,
    key: config.key,
    ...(config.fields !== undefined ? { fields: config.fields } : {}),
    ...(config.properties !== undefined ? { properties: config.properties } : {}),
    ...(config.propertyIds !== undefined ? { propertyIds: config.propertyIds } : {}),
    ...(config.defaultCountry !== undefined ? { defaultCountry: config.defaultCountry } : {}),
  })
