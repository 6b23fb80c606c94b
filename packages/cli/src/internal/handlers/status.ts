/** `brainsync status --config FILE`: what the state file knows: the last runs and the dead letters. */
import { Ledger as CoreLedger } from "@brainsync/core"
import { Effect } from "effect"
import * as SyncConfig from "../../SyncConfig.js"
import * as Exit from "../exit.js"
import * as Format from "../format.js"
import * as Ledger from "../ledger.js"
import type { Args } from "../commands/status.js"

/** The configuration, which must name a state file: without one there is nothing to look at. */
export const loadWithState = (path: string, command: string) =>
  Effect.gen(function* () {
    const config = yield* SyncConfig.load(path).pipe(Effect.mapError((error) => Exit.usage(error.message)))
    if (config.state === undefined)
      return yield* Exit.usage(`${path}: ${command} needs a "state" file in the configuration`)
    return { config, state: config.state }
  })

const ledgerFailed = (error: CoreLedger.LedgerError) =>
  new Exit.CliFailure({ code: Exit.ROWS_FAILED, message: CoreLedger.failedMessage(error) })

export const handle = (args: Args) =>
  Effect.gen(function* () {
    const { config, state } = yield* loadWithState(args.config, "status")
    const target = CoreLedger.target(config.name, config.crm.listId)
    const { runs, dead } = yield* Effect.provide(
      Effect.gen(function* () {
        const ledger = yield* CoreLedger.Ledger
        const runs = yield* ledger.runs(target, Math.max(1, args.runs)).pipe(Effect.mapError(ledgerFailed))
        const dead = yield* ledger.deadLetters(target).pipe(Effect.mapError(ledgerFailed))
        return { runs, dead }
      }),
      Ledger.layer(state),
    )
    if (args.json) {
      const out = {
        sync: config.name,
        listId: config.crm.listId,
        state,
        runs: runs.map(({ startedAt, finishedAt, report }) => {
          const { rejectedRows: _r, failedRows: _f, ...counts } = report
          return {
            startedAt: new Date(startedAt).toISOString(),
            finishedAt: new Date(finishedAt).toISOString(),
            ...counts,
          }
        }),
        deadLetters: dead.map(({ key, position, error }) => ({ key, position, error })),
      }
      process.stdout.write(`${JSON.stringify(out)}\n`)
      return
    }
    const style = Format.styleFor(process.stdout)
    const lines = [
      `${Format.bold(style, config.name)} → list ${config.crm.listId}  ${Format.dim(style, `(state: ${state})`)}`,
      "",
    ]
    if (runs.length === 0) lines.push("  No runs yet.")
    else {
      const columns = [
        "started",
        "took",
        "read",
        "inserted",
        "updated",
        "unchanged",
        "rejected",
        "failed",
        "",
      ]
      const table = runs.map(({ startedAt, finishedAt, report }) => [
        new Date(startedAt).toISOString().replace("T", " ").slice(0, 19),
        Format.duration(finishedAt - startedAt),
        Format.count(report.read),
        Format.count(report.inserted),
        Format.count(report.updated),
        Format.count(report.unchanged),
        Format.count(report.rejected),
        Format.count(report.failed),
        report.stopped === undefined ? "" : `stopped: ${report.stopped.reason}`,
      ])
      const widths = columns.map((column, i) =>
        Math.max(column.length, ...table.map((row) => row[i]!.length)),
      )
      const line = (cells: ReadonlyArray<string>) =>
        `  ${cells.map((cell, i) => (i < 2 || i === 8 ? Format.padEnd(cell, widths[i]!) : Format.padStart(cell, widths[i]!))).join("  ")}`.trimEnd()
      lines.push(
        `  Last ${runs.length} run${runs.length === 1 ? "" : "s"}, newest first:`,
        Format.dim(style, line(columns)),
      )
      for (const row of table) lines.push(line(row))
    }
    lines.push("")
    if (dead.length === 0) lines.push("  No dead letters.")
    else {
      lines.push(
        `  ${Format.red(style, `${Format.count(dead.length)} dead letter${dead.length === 1 ? "" : "s"}`)} (rows not delivered; \`brainsync retry\` sends them again):`,
      )
      for (const letter of dead.slice(0, 10))
        lines.push(`    ${Format.padEnd(letter.position, 12)}${Format.padEnd(letter.key, 14)}${letter.error}`)
      if (dead.length > 10)
        lines.push(`    … and ${Format.count(dead.length - 10)} more (--json lists them all)`)
    }
    process.stdout.write(`${lines.join("\n")}\n`)
  })
