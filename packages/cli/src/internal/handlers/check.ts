/**
 * The work of `brainsync check`: the configuration, the source's first rows against the mapping
 * (every mapped column present, each row mapped), and the token and the list with the CRM through
 * `MainBrainer.probe`, which cannot create or change a contact. Every problem found is printed on
 * its own line, then the verdict; the exit code is the verdict's (see `../checkReport.ts`).
 */
import * as MainBrainer from "@brainsync/adapters-http/MainBrainer"
import { Mapping } from "@brainsync/core"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Chunk, Effect, Either, type Redacted, Stream } from "effect"
import * as SyncConfig from "../../SyncConfig.js"
import * as Report from "../checkReport.js"
import * as Exit from "../exit.js"
import * as RejectRate from "../rejectRate.js"
import * as Run from "../run.js"
import * as Source from "../source.js"
import * as Token from "../token.js"
import type { Args } from "../commands/check.js"

/** The source's first `count` rows, or why they cannot be read. */
const firstRows = (config: SyncConfig.SyncConfig, count: number) =>
  Source.open(config.source).pipe(
    Effect.flatMap((source) => Stream.runCollect(Stream.take(source.rows, count))),
    Effect.map(Chunk.toReadonlyArray),
    Effect.either,
  )

/** What the mapping makes of the rows: the missing columns, else each rejected row. */
const rowProblems = (
  mapping: Mapping.Mapping,
  rows: ReadonlyArray<Parameters<Mapping.Mapping["map"]>[0]>,
): ReadonlyArray<Report.Problem> => {
  const missing = Mapping.missingColumns(mapping, rows)
  // Rows mapped without a column they need would each be rejected for it: one line says it.
  if (missing.length > 0) return missing.map((message) => Report.problem("column", Exit.USAGE, message))
  return rows.flatMap((row) => {
    const result = mapping.map(row)
    return result._tag === "Mapped"
      ? []
      : [
          {
            kind: "row" as const,
            code: Exit.ROWS_FAILED,
            position: result.position,
            key: result.key,
            field: result.field,
            reason: result.reason,
          },
        ]
  })
}

/** The CRM's verdict on the token and the list, as problems (none when both are good). */
const crmProblems = (
  args: Args,
  config: SyncConfig.SyncConfig,
  token: Redacted.Redacted<string>,
): Effect.Effect<ReadonlyArray<Report.Problem>> =>
  MainBrainer.probe({
    baseUrl: config.crm.baseUrl,
    token,
    listId: config.crm.listId,
    timeout: config.crm.timeoutSeconds === undefined ? undefined : `${config.crm.timeoutSeconds} seconds`,
    allowInsecureToken: config.crm.allowInsecureToken,
  }).pipe(
    Effect.provide(NodeHttpClient.layerUndici),
    Effect.as([]),
    Effect.catchAll((error) => {
      switch (error._tag) {
        case "SinkConfigError":
          return Effect.succeed([Report.problem("config", Exit.USAGE, `crm.baseUrl: ${error.message}`)])
        case "TokenRefused": {
          const from = args.tokenStdin ? "the token piped to --token-stdin" : Token.ENV
          return Effect.succeed([Report.problem("token", Exit.REFUSED, `${error.message}; check ${from}`)])
        }
        case "UnknownList":
          return Effect.succeed([
            Report.problem("list", Exit.USAGE, `${error.message}; check crm.listId in ${args.config}`),
          ])
        case "CrmUnreachable":
          return Effect.succeed([
            Report.problem(
              "crm",
              Exit.ROWS_FAILED,
              `${error.message}; check crm.baseUrl (${config.crm.baseUrl}) and the network`,
            ),
          ])
        case "UnexpectedAnswer":
          return Effect.succeed([
            Report.problem("crm", error.status === 406 ? Exit.REFUSED : Exit.ROWS_FAILED, error.message),
          ])
      }
    }),
  )

/** Every problem of the configuration at `args.config`, and what was checked. */
const findProblems = (args: Args) =>
  Effect.gen(function* () {
    const loaded = yield* Effect.either(SyncConfig.load(args.config))
    if (Either.isLeft(loaded))
      return {
        problems: [Report.problem("config", Exit.USAGE, loaded.left.message)],
        checked: { rows: undefined, listId: undefined, limit: args.rows },
      }
    const config = loaded.right
    const problems: Array<Report.Problem> = []
    const mapping = SyncConfig.mapping(config)
    // What would stop `sync` before it starts: the mapping, the options, a mode without a state file.
    const limit = RejectRate.limitOf(config.maxRejectRate)
    for (const message of Run.problems(config, mapping, limit, config.mode ?? "upsert"))
      problems.push(Report.problem("config", Exit.USAGE, `${args.config}: ${message}`))

    const rows = yield* firstRows(config, args.rows)
    if (Either.isLeft(rows)) problems.push(Report.problem("source", Exit.USAGE, rows.left.message))
    else if (mapping.problems.length === 0) problems.push(...rowProblems(mapping, rows.right))

    const token = yield* Effect.either(Token.read(args.tokenStdin))
    if (Either.isLeft(token)) problems.push(Report.problem("token", Exit.USAGE, token.left.message))
    else problems.push(...(yield* crmProblems(args, config, token.right)))

    return {
      problems,
      checked: {
        rows: Either.isRight(rows) ? rows.right.length : undefined,
        limit: args.rows,
        listId: Either.isRight(token) ? config.crm.listId : undefined,
      },
    }
  })

export const handle = (args: Args) =>
  Effect.gen(function* () {
    if (args.rows < 1)
      return yield* Exit.usage(`--rows: expected a whole number of 1 or more, got ${args.rows}`)
    const { problems, checked } = yield* findProblems(args)
    const verdict = Report.verdict(problems, checked)
    const output = args.json
      ? [JSON.stringify(Report.json(problems, checked))]
      : [...problems.map(Report.line), ...(problems.length === 0 ? [verdict] : [])]
    process.stdout.write(output.map((line) => `${line}\n`).join(""))
    const code = Report.exitCode(problems)
    if (code !== Exit.OK) return yield* new Exit.CliFailure({ code, message: verdict })
  })
