/**
 * The configuration file of `brainsync sync` (`brainsync.json`): JSON with comments (JSONC:
 * `//` and `/* *\/` comments and trailing commas are allowed), decoded with Schema. The mapping
 * part (`key`, `fields`, `properties`, `propertyIds`, `defaultCountry`) is core's
 * `Mapping.Config`, so the file and the library accept exactly the same mapping.
 *
 * Relative paths (`source.path`, `source.sqlite`, `state`) are relative to the configuration file's
 * folder. `jsonSchema` is the file's JSON Schema, shipped as `@brainsync/cli/brainsync.schema.json`.
 *
 * @since 0.1.0
 */
import { Mapping } from "@brainsync/core"
import { Data, Effect, Either, JSONSchema, ParseResult, Schema } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { dirname, isAbsolute, resolve } from "node:path"
import { field, HttpUrl, optionalField, Positive, PositiveInt } from "./internal/configFields.js"
import * as Jsonc from "./internal/jsonc.js"
import * as RejectRate from "./internal/rejectRate.js"
import * as SourceConfig from "./internal/sourceConfig.js"

/**
 * The rejected share of the rows above which a run stops (exit 1) when neither the configuration's
 * `maxRejectRate` nor `--max-reject-rate` says otherwise (0.1, 10%): a source whose rows mostly
 * cannot be sent more likely has a mapping that does not fit it than bad data.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_REJECT_RATE: number = RejectRate.DEFAULT_MAX_REJECT_RATE

/**
 * Rows read before the reject rate is checked during a run (1,000); at the end it is checked
 * whatever the size.
 *
 * @since 0.1.0
 * @category constants
 */
export const REJECT_RATE_FROM: number = RejectRate.REJECT_RATE_FROM

/**
 * The CRM the contacts go to.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Crm = Schema.Struct({
  baseUrl: field("Where the API lives; /contacts/batch is appended.", HttpUrl),
  listId: field("The CRM list (a UUID) the contacts go to.", Schema.UUID),
  timeoutSeconds: optionalField("Seconds one request may take (default 30).", Positive),
  allowInsecureToken: optionalField(
    "Send the token over plain http:// to a host that is not this machine (default false).",
    Schema.Boolean,
  ),
})

/**
 * A CSV file as the source.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CsvSourceConfig = SourceConfig.CsvSourceConfig

/**
 * An HTTP API as the source, read a page at a time.
 *
 * @since 0.1.0
 * @category schemas
 */
export const HttpSourceConfig = SourceConfig.HttpSourceConfig

/**
 * A SQLite database as the source, read a page at a time in cursor order.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SqlSourceConfig = SourceConfig.SqlSourceConfig

/**
 * Where the rows come from: a CSV file, an HTTP API or a SQLite database, told apart by `kind`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Source = SourceConfig.Source

/**
 * @since 0.1.0
 * @category models
 */
export type Source = typeof Source.Type

/**
 * The receiver of the CRM's per-batch reports.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Webhook = Schema.Struct({
  listen: field(
    "host:port the receiver listens on (127.0.0.1:8787); port 0 picks a free one.",
    Schema.String.pipe(
      Schema.pattern(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, {
        message: () => 'expected "host:port", like "127.0.0.1:8787"',
      }),
    ),
  ),
  publicUrl: optionalField(
    "The URL the CRM reaches the receiver at, when that is not its own address (a tunnel).",
    HttpUrl,
  ),
})

/**
 * `"none"` (rows end `accepted` on the 202) or a webhook receiver that gets each contact's final result.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Results = Schema.Union(Schema.Literal("none"), Schema.Struct({ webhook: Webhook }))

/**
 * Which rows are sent: all (`upsert`), those the state knows (`update-only`) or those it does not (`insert-only`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Mode = Schema.Literal("upsert", "update-only", "insert-only")

const SyncFields = Schema.Struct({
  $schema: optionalField(
    "The JSON Schema of this file, for editors (brainsync init writes it); brainsync ignores it.",
    Schema.String,
  ),
  name: field("Names the sync in the report and in the state file.", Schema.NonEmptyTrimmedString),
  crm: field("The CRM the contacts go to.", Crm),
  source: field("Where the rows come from.", Source),
  batchSize: optionalField(
    "Contacts per request, 1 to 1000 (default 100, the CRM's recommendation).",
    PositiveInt,
  ),
  requestsPerSecond: optionalField(
    "The CRM's rate limit; requests are spaced to stay under it (default none).",
    Positive,
  ),
  concurrency: optionalField("Requests in flight (default 4).", PositiveInt),
  maxRequestBytes: optionalField(
    "The largest request body in bytes (default 4 MiB): a batch is split before its body passes it, and a row whose body alone passes it is rejected.",
    PositiveInt,
  ),
  results: optionalField(
    '"none" (default): rows end accepted on the 202; a webhook receiver gets each contact\'s final result (inserted, updated or skipped).',
    Results,
  ),
  state: optionalField(
    "A SQLite file that remembers what was sent (so unchanged rows are not sent again), dead letters and runs; a relative path is relative to this file.",
    Schema.NonEmptyTrimmedString,
  ),
  mode: optionalField(
    "upsert (default), update-only (rows the state knows), insert-only (rows it does not).",
    Mode,
  ),
  maxRejectRate: optionalField(
    `Stop the run (exit 1) when more than this fraction of the rows is rejected (0.05 = 5%): checked once ${REJECT_RATE_FROM} rows were read, and at the end. Default ${DEFAULT_MAX_REJECT_RATE} (${RejectRate.percent(DEFAULT_MAX_REJECT_RATE)}); 1 turns the check off.`,
    Schema.Number.pipe(Schema.between(0, 1)),
  ),
  allowUnknownProperties: optionalField(
    "A property the CRM does not know (it drops the value and says so) is a counted warning instead of stopping the run after the batch that revealed it (exit 2). Default false: create the property in the CRM, or remove it from the mapping.",
    Schema.Boolean,
  ),
})

/** Contact fields that identify a contact in the CRM: `Mapping.problems` wants one of them. */
const identityFields = ["contactId", "email", "mobileNumber", "phone"]

/**
 * The whole file: the sync's settings plus core's mapping configuration at the top level.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SyncConfig = Schema.extend(Mapping.Config, SyncFields).annotations({
  identifier: "SyncConfig",
  // What Mapping.Config's filter checks, as far as JSON Schema can say it: an identity column,
  // and phone not combined with mobileNumber / mobileCountryCode.
  jsonSchema: {
    allOf: [
      {
        required: ["fields"],
        properties: { fields: { anyOf: identityFields.map((field) => ({ required: [field] })) } },
      },
      {
        properties: {
          fields: {
            not: {
              required: ["phone"],
              anyOf: [{ required: ["mobileNumber"] }, { required: ["mobileCountryCode"] }],
            },
          },
        },
      },
    ],
  },
})

/**
 * @since 0.1.0
 * @category models
 */
export type SyncConfig = typeof SyncConfig.Type

/** Core's `Mapping.Config` carries no descriptions; these are the file's. */
const mappingDescriptions: Record<string, string> = {
  listId: "Not used by brainsync sync: the list is crm.listId.",
  key: "The column that identifies a row; rows with the same key are one contact (the last one wins).",
  fields:
    "Contact field -> column. At least one of contactId, email, mobileNumber or phone identifies the contact in the CRM; phone (E.164 or national in defaultCountry's format) cannot be combined with mobileNumber / mobileCountryCode.",
  defaultCountry: "ISO 3166 country (US, GB) for national phone numbers.",
  properties: "CRM property name -> column.",
  propertyIds: "CRM property UUID -> column.",
}

/**
 * Without the titles Effect's filters give (`"nonEmptyString"`, `"positive"`): an editor shows a
 * title as the field's heading, and they name the check, not the field. (A string-valued `title`
 * is a schema's title; a field called `title` would be an object under `properties`.)
 */
const untitled = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(untitled)
  if (typeof node !== "object" || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node))
    if (!(key === "title" && typeof value === "string")) out[key] = untitled(value)
  return out
}

/**
 * The configuration file's JSON Schema (draft-07), made from `SyncConfig` with `JSONSchema`: the
 * JSON a person writes, unknown fields not allowed, every definition inline (no `$ref`). The
 * build writes it to `@brainsync/cli/brainsync.schema.json`; `brainsync init` points `$schema`
 * at it so that editors complete and check the file.
 *
 * @since 0.1.0
 * @category schemas
 */
export const jsonSchema: JSONSchema.JsonSchema7Root = (() => {
  // "skip" inlines every identified schema (UUID, Int, ...): the file has no `$ref` to resolve.
  const body = untitled(
    JSONSchema.fromAST(SyncConfig.ast, { definitions: {}, topLevelReferenceStrategy: "skip" }),
  ) as JSONSchema.JsonSchema7Object
  const properties: Record<string, JSONSchema.JsonSchema7> = {}
  for (const [name, property] of Object.entries(body.properties))
    properties[name] =
      mappingDescriptions[name] !== undefined
        ? { ...property, description: mappingDescriptions[name] }
        : property
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "brainsync configuration",
    description:
      "The configuration file of brainsync sync (JSON with comments). Relative paths are relative to this file.",
    ...body,
    properties,
  }
})()

/**
 * The configuration cannot be used: one line that names the field and what was expected.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly message: string }> {}

const decodeEither = Schema.decodeUnknownEither(SyncConfig, { errors: "all", onExcessProperty: "error" })

const kindOf = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "an array"
      : typeof value === "object"
        ? "an object"
        : `a ${typeof value}`

const describe = (issue: ParseResult.ArrayFormatterIssue): string => {
  const path = issue.path.map(String).join(".")
  const message = issue.message.replace(/^Expected (.*), actual (.*)$/s, "expected $1, got $2")
  if (issue._tag === "Unexpected" && path !== "") return `${path} is not a known field`
  return path === "" ? message : `${path}: ${message}`
}

/**
 * Decodes parsed JSON; the error names the field at fault. Of a union's alternatives the one that
 * got furthest is reported, and the "or undefined" of optional fields is left out.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (input: unknown): Either.Either<SyncConfig, ConfigError> =>
  typeof input !== "object" || input === null || Array.isArray(input)
    ? Either.left(
        new ConfigError({ message: `the configuration must be a JSON object, got ${kindOf(input)}` }),
      )
    : Either.mapLeft(decodeEither(input), (error) => {
        const all = ParseResult.ArrayFormatter.formatErrorSync(error)
        const useful = all.filter((issue) => !issue.message.startsWith("Expected undefined,"))
        const issues = useful.length > 0 ? useful : all
        const first = issues.reduce<ParseResult.ArrayFormatterIssue | undefined>(
          (best, issue) => (best === undefined || issue.path.length > best.path.length ? issue : best),
          undefined,
        )
        const fields = new Set(issues.map((issue) => issue.path.slice(0, 1).join(".")))
        const more =
          fields.size > 1
            ? ` (and problems in ${fields.size - 1} more field${fields.size > 2 ? "s" : ""})`
            : ""
        return new ConfigError({ message: `${first === undefined ? error.message : describe(first)}${more}` })
      })

/**
 * Makes the file's relative paths absolute, from the folder the file is in.
 *
 * @since 0.1.0
 * @category utils
 */
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

/**
 * Reads, parses (JSONC) and decodes the file at `path`, with its relative paths resolved.
 *
 * @since 0.1.0
 * @category decoding
 */
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

/**
 * The mapping the configuration describes, into the configured list.
 *
 * @since 0.1.0
 * @category constructors
 */
export const mapping = (config: SyncConfig, listId: string = config.crm.listId): Mapping.Mapping =>
  Mapping.make({
    listId,
    key: config.key,
    ...(config.fields !== undefined ? { fields: config.fields } : {}),
    ...(config.properties !== undefined ? { properties: config.properties } : {}),
    ...(config.propertyIds !== undefined ? { propertyIds: config.propertyIds } : {}),
    ...(config.defaultCountry !== undefined ? { defaultCountry: config.defaultCountry } : {}),
  })
