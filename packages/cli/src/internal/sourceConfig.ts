/**
 * The configuration's `source`: a CSV file, an HTTP API read a page at a time, or a SQLite
 * database read in cursor order, told apart by `kind`. `SyncConfig` re-exports them.
 */
import { Schema } from "effect"
import { Delimiter, field, HttpUrl, optionalField, PositiveInt } from "./configFields.js"
import { encodings } from "./encoding.js"

/** A CSV file as the source. */
export const CsvSourceConfig = Schema.Struct({
  kind: Schema.Literal("csv"),
  path: field("The CSV file; a relative path is relative to this file.", Schema.NonEmptyTrimmedString),
  delimiter: optionalField('",", ";", "\\t", "|" (any one character), or "auto" (default).', Delimiter),
  encoding: optionalField(
    "The file's encoding (default utf-8; brainsync init detects it): utf-8, utf-16le, utf-16be, latin1 (ISO-8859-1) or windows-1252 (Latin-1 as Windows and Excel write it).",
    Schema.Literal(...encodings),
  ),
  header: optionalField(
    "false when the file has no header line; then columns names the fields.",
    Schema.Boolean,
  ),
  columns: optionalField("The fields' names, for a file without a header line.", Schema.Array(Schema.String)),
})

const Pagination = Schema.Union(
  Schema.Struct({
    type: field(
      "?page=1, ?page=2, ... until a page comes back empty or shorter than size.",
      Schema.Literal("page"),
    ),
    param: optionalField('The page number\'s query parameter (default "page").', Schema.String),
    first: optionalField("The first page's number (default 1).", Schema.Int),
    sizeParam: optionalField("The page size's query parameter, sent with size.", Schema.String),
    size: optionalField("Items per page; a shorter page is the last.", PositiveInt),
  }),
  Schema.Struct({
    type: field(
      "?offset=0&limit=100, ?offset=100&limit=100, ... until a page is shorter than limit.",
      Schema.Literal("offset"),
    ),
    limit: field("Items per page.", PositiveInt),
    offsetParam: optionalField('The offset\'s query parameter (default "offset").', Schema.String),
    limitParam: optionalField('The limit\'s query parameter (default "limit").', Schema.String),
  }),
  Schema.Struct({
    type: field(
      "The next page's cursor is in the body at cursorPath; no cursor ends it.",
      Schema.Literal("cursor"),
    ),
    cursorPath: field("Where the next cursor is in the body (meta.next).", Schema.String),
    param: optionalField('The cursor\'s query parameter (default "cursor").', Schema.String),
  }),
  Schema.Struct({
    type: field(
      'The next page is the Link header\'s rel="next" target; none ends it.',
      Schema.Literal("link"),
    ),
  }),
)

/** Secrets of an HTTP source are named by environment variable, never written in the file. */
const HttpAuth = Schema.Union(
  Schema.Struct({
    bearerEnv: field("The environment variable holding the bearer token.", Schema.String),
  }),
  Schema.Struct({
    header: field("The header that carries the secret (X-Api-Key).", Schema.String),
    valueEnv: field("The environment variable holding the header's value.", Schema.String),
  }),
)

/** An HTTP API as the source, read a page at a time. */
export const HttpSourceConfig = Schema.Struct({
  kind: Schema.Literal("http"),
  url: field("The first page's URL; its query parameters are kept on every page.", HttpUrl),
  items: optionalField(
    "Where each page's array of items is in the body (data.items); default the body itself.",
    Schema.String,
  ),
  pagination: field("How the next page is found.", Pagination),
  auth: optionalField("The secret, named by environment variable (never written in the file).", HttpAuth),
  headers: optionalField(
    "Headers sent with every request.",
    Schema.Record({ key: Schema.String, value: Schema.String }),
  ),
})

/** A SQLite database as the source, read a page at a time in cursor order. */
export const SqlSourceConfig = Schema.Struct({
  kind: Schema.Literal("sql"),
  sqlite: field(
    "A SQLite database file; a relative path is relative to this file.",
    Schema.NonEmptyTrimmedString,
  ),
  table: optionalField("A table to read (or give query).", Schema.NonEmptyTrimmedString),
  query: optionalField(
    "A SELECT without ORDER BY / LIMIT (it is paged by the cursor), instead of table.",
    Schema.NonEmptyTrimmedString,
  ),
  params: optionalField(
    "Parameters of query (? placeholders).",
    Schema.Array(Schema.Union(Schema.String, Schema.Number, Schema.Boolean, Schema.Null)),
  ),
  cursor: field(
    "The column(s) that order the rows and that each page continues after: unique together (a primary key).",
    Schema.Union(Schema.NonEmptyTrimmedString, Schema.NonEmptyArray(Schema.NonEmptyTrimmedString)),
  ),
  columns: optionalField("Columns to read; default all.", Schema.Array(Schema.String)),
  pageSize: optionalField("Rows per page (default 1000).", PositiveInt),
}).pipe(
  Schema.filter(
    (source) =>
      (source.table === undefined) !== (source.query === undefined)
        ? true
        : { path: ["table"], message: "give either table or query" },
    // In `allOf`: a `jsonSchema` with `oneOf` at its top would replace the struct's schema.
    { jsonSchema: { allOf: [{ oneOf: [{ required: ["table"] }, { required: ["query"] }] }] } },
  ),
)

/** Where the rows come from: a CSV file, an HTTP API or a SQLite database, told apart by `kind`. */
export const Source = Schema.Union(CsvSourceConfig, HttpSourceConfig, SqlSourceConfig)
