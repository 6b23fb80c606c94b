/** `brainsync status --config FILE`: what the state file knows: the last runs and the dead letters. */
import { Ledger as CoreLedger, SyncReport } from "@brainsync/core"
import { Effect, Option } from "effect"
import { existsSync } from "node:fs"
import { resolve } from "node:path"
import * as SyncConfig from "../../SyncConfig.js"
import * as Exit from "../exit.js"
import * as Format from "../format.js"
import * as Ledger from "../ledger.js"
import type { Args } from "../commands/status.js"

/**
 * The configuration with its state file, `--state` before the configuration's: without one there
 * is nothing to look at, and one that does not exist yet is not created.
 */
export const loadWithState = (path: string, command: string, state: Option.Option<string>) =>
  Effect.gen(function* () {
    const config = yield* SyncConfig.load(path).pipe(Effect.mapError((error) => Exit.usage(error.message)))
    const file = Option.isSome(state) ? resolve(state.value) : config.state
    if (file === undefined)
      return yield* Exit.usage(
        `${path}: ${command} needs a "state" file in the configuration, or --state FILE`,
      )
    if (!existsSync(file))
      return yield* Exit.usage(`${file}: no such state file; a sync with this state file creates it`)
    return { config: { ...config, state: file }, state: file }
  })

const ledgerFailed = (error: CoreLedger.LedgerError) =>
  new Exit.CliFailure({ code: Exit.ROWS_FAILED, message: CoreLedger.failedMessage(error) })

/** Every outcome a run's rows can end in, in the summary's order. */
const OUTCOMES = [
  "inserted",
  "updated",
  "skipped",
  "accepted",
  "unchanged",
  "superseded",
  "rejected",
  "failed",
] as const

/** Cells in columns: each as wide as its widest cell, numbers to the right, two spaces between. */
const table = (rows: ReadonlyArray<ReadonlyArray<string>>, alignRight: (column: number) => boolean) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => Format.width(row[i]!))))
  return rows.map((row) =>
    `  ${row.map((cell, i) => (alignRight(i) ? Format.padStart(cell, widths[i]!) : Format.padEnd(cell, widths[i]!))).join("  ")}`.trimEnd(),
  )
}

export const handle = (args: Args) =>
  Effect.gen(function* () {
    const { config, state } = yield* loadWithState(args.config, "status", args.state)
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
        runs: runs.map(({ startedAt, finishedAt, report }) => ({
          startedAt: new Date(startedAt).toISOString(),
          finishedAt: new Date(finishedAt).toISOString(),
          ...SyncReport.countsOnly(report),
        })),
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
      const header = ["started", "took", "read", ...OUTCOMES, "warned", ""]
      const cells = runs.map(({ startedAt, finishedAt, report }) => [
        Format.timestamp(startedAt),
        Format.duration(finishedAt - startedAt),
        Format.count(report.read),
        ...OUTCOMES.map((outcome) => Format.count(report[outcome])),
        // Runs recorded before warnings were counted have none.
        Format.count(report.warned ?? 0),
        report.stopped === undefined ? "" : `stopped: ${report.stopped.reason}`,
      ])
      const [head, ...body] = table([header, ...cells], (i) => i >= 2 && i < header.length - 1)
      lines.push(
        `  Last ${runs.length} run${runs.length === 1 ? "" : "s"}, newest first:`,
        Format.dim(style, head!),
        ...body,
      )
    }
    lines.push("")
    if (dead.length === 0) lines.push("  No dead letters.")
    else {
      lines.push(
        `  ${Format.red(style, `${Format.count(dead.length)} dead letter${dead.length === 1 ? "" : "s"}`)} (rows not delivered; \`brainsync retry\` sends them again):`,
      )
      const shown = dead.slice(0, 10).map((letter) => [letter.position, letter.key, letter.error])
      const [head, ...body] = table([["position", "key", "last error"], ...shown], () => false)
      lines.push(Format.dim(style, `  ${head!}`), ...body.map((line) => `  ${line}`))
      if (dead.length > 10)
        lines.push(`    … and ${Format.count(dead.length - 10)} more (--json lists them all)`)
    }
    process.stdout.write(`${lines.join("\n")}\n`)
  })
