/**
 * What one run of the command writes: while it runs, the progress display (redrawn on a timer)
 * and the rejects file, both fed from the run's events; when it ends, the report file and the
 * summary (the table, or one JSON line with `--json`); when it is interrupted, the summary so far.
 * A file that cannot be written is told as the run's write problem, never dropped silently.
 */
import { type DryRun, type SourceRow, type Sync, type SyncEvent, SyncReport } from "@brainsync/core"
import { Effect, Schedule, Scope, Stream } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import * as Format from "./format.js"
import * as Progress from "./progress.js"
import * as Rejects from "./rejects.js"
import type { Ending } from "./runOutcome.js"
import * as Summary from "./summary.js"

/** Where the output goes: standard output by default. */
export interface Out extends Progress.Output {
  readonly isTTY?: boolean | undefined
}

export const stdout: Out = {
  write: (text: string) => void process.stdout.write(text),
  get columns() {
    return process.stdout.columns
  },
  get isTTY() {
    return process.stdout.isTTY
  },
}

/** `tty` on a terminal, plain lines otherwise, JSON lines with `--json`. */
export const displayMode = (json: boolean): Progress.Mode =>
  json ? "json" : process.stdout.isTTY === true ? "tty" : "lines"

export interface Options {
  readonly display: Progress.Mode
  readonly name: string
  readonly dryRun: boolean
  /** The sync mode, as the report file states it. */
  readonly mode: Sync.Mode
  readonly fraction?: (() => number) | undefined
  /** `--rejects FILE`, with the configuration's key column, and `--rejects-bom`. */
  readonly rejects?:
    { readonly path: string; readonly keyColumn: string; readonly bom?: boolean | undefined } | undefined
  /** `--report FILE`. */
  readonly reportPath?: string | undefined
  readonly out?: Out | undefined
  readonly now?: (() => number) | undefined
}

export interface Written {
  readonly files: ReadonlyArray<Summary.File>
  readonly elapsedMillis: number
  /** Why a file could not be written, the first such reason. */
  readonly problem: string | undefined
}

export interface Output {
  readonly onEvent: (event: SyncEvent.SyncEvent) => Effect.Effect<void>
  /** The source's rows, remembered for the rejects file as they pass. */
  readonly remember: <E>(rows: Stream.Stream<SourceRow.SourceRow, E>) => Stream.Stream<SourceRow.SourceRow, E>
  /** Runs `effect` with the display redrawn on a timer; interrupted, it prints the summary so far. */
  readonly whileRunning: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | Scope.Scope>
  /** The run stopped before it began (a configuration error): the display is erased, nothing printed. */
  readonly abandon: () => void
  /** The counts the events told, for a run that ended without a report. */
  readonly counts: () => SyncReport.SyncReport
  /** Closes the rejects file and writes the report file (stating `ending.code`). */
  readonly writeFiles: (ending: Ending) => Effect.Effect<Written>
  /** The final summary: the table, or one JSON line. */
  readonly summary: (ending: Ending, written: Written, preview: DryRun.Preview | undefined) => void
  /** Rows in requests that left. */
  readonly sent: () => number
}

/** The exit code of an interrupted run (128 + SIGINT), as the bin gives it. */
export const INTERRUPTED = 130

const INTERRUPTED_MESSAGE =
  "Interrupted: rows in batches the CRM had not accepted will be sent by the next run."

/** The report as the JSON summary gives it: the rows kept in it are in the events already. */
const counted = SyncReport.countsOnly

/** The `--report` file: the run's report, how it ran, and its exit code. */
const reportFile = (
  ending: Ending,
  run: {
    readonly dryRun: boolean
    readonly mode: Sync.Mode
    readonly startedAt: number
    readonly elapsedMillis: number
  },
) =>
  `${JSON.stringify(
    {
      ...ending.report,
      dryRun: run.dryRun,
      mode: run.mode,
      startedAt: new Date(run.startedAt).toISOString(),
      elapsedMillis: run.elapsedMillis,
      exitCode: ending.code,
    },
    null,
    2,
  )}\n`

/**
 * The JSON summary of a command that stopped before or without its run's own summary (a usage or
 * configuration error), so that a `--json` consumer always gets one `Summary` line last.
 */
export const failureSummary = (code: number, message: string, out: Out = stdout): void =>
  out.write(`${JSON.stringify({ _tag: "Summary", exitCode: code, message })}\n`)

/** Writes never fail the run silently: they are told, and the run ends 1. */
export const writeText = (path: string, text: string): string | undefined => {
  try {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, text)
    return undefined
  } catch (error) {
    return `cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`
  }
}

export const make = (options: Options): Effect.Effect<Output, never, Scope.Scope> =>
  Effect.map(Effect.scope, (scope) => {
    const out = options.out ?? stdout
    const now = options.now ?? Date.now
    const style = Format.styleFor(out)
    const startedAt = now()
    const display = Progress.make({
      mode: options.display,
      out,
      style,
      name: options.name,
      fraction: options.fraction,
      dryRun: options.dryRun,
    })
    const rejects =
      options.rejects === undefined
        ? undefined
        : Rejects.make(options.rejects.path, options.rejects.keyColumn, options.rejects.bom)
    let problem: string | undefined
    const told = <E extends { readonly message: string }>(effect: Effect.Effect<void, E, Scope.Scope>) =>
      effect.pipe(
        Scope.extend(scope),
        Effect.catchAll((error) => Effect.sync(() => (problem ??= error.message))),
      )

    const whileRunning = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.gen(function* () {
        const ticker = yield* Effect.forkScoped(
          Effect.repeat(
            Effect.sync(display.tick),
            Schedule.spaced(options.display === "tty" ? "100 millis" : "500 millis"),
          ),
        )
        // Ctrl-C: show where the run got to. The ledger holds only accepted batches, so the next run resends the rest.
        const result = yield* Effect.onInterrupt(effect, () => Effect.sync(interruptedSummary))
        yield* ticker.interruptAsFork(ticker.id())
        return result
      })

    const interruptedSummary = () => {
      const elapsedMillis = now() - startedAt
      const { report, pending, notSent } = display.atInterrupt()
      display.finish("interrupted")
      if (options.display === "json")
        // The report is the events' fold (the sync ends every row in them when interrupted):
        // `pending` of its accepted rows and `notSent` of its failed ones are the interruption's.
        out.write(
          `${JSON.stringify({ _tag: "Summary", exitCode: INTERRUPTED, message: INTERRUPTED_MESSAGE, interrupted: { pending, notSent }, elapsedMillis, files: [], dryRun: options.dryRun, report: counted(display.counts()) })}\n`,
        )
      else
        out.write(
          Summary.render(report, {
            style,
            elapsedMillis,
            files: [],
            dryRun: options.dryRun,
            interrupted: { pending, notSent },
          }) + `  ${INTERRUPTED_MESSAGE}\n`,
        )
    }

    const writeFiles = (ending: Ending) =>
      Effect.gen(function* () {
        const elapsedMillis = now() - startedAt
        const files: Array<Summary.File> = []
        if (rejects !== undefined) {
          yield* told(rejects.close)
          files.push({ label: "rejects", path: rejects.path })
        }
        if (options.reportPath !== undefined) {
          const failed = writeText(
            options.reportPath,
            reportFile(ending, { dryRun: options.dryRun, mode: options.mode, startedAt, elapsedMillis }),
          )
          if (failed === undefined) files.push({ label: "report", path: options.reportPath })
          else problem ??= failed
        }
        return { files, elapsedMillis, problem }
      })

    const summary = (ending: Ending, written: Written, preview: DryRun.Preview | undefined) => {
      const { elapsedMillis, files } = written
      display.finish()
      if (options.display === "json") {
        out.write(
          `${JSON.stringify({ _tag: "Summary", exitCode: ending.code, message: ending.message, elapsedMillis, files, dryRun: options.dryRun, report: counted(ending.report), ...(preview && { preview: { insert: preview.insert, update: preview.update, differences: preview.differences } }) })}\n`,
        )
      } else
        out.write(
          Summary.render(ending.report, { style, elapsedMillis, files, dryRun: options.dryRun, preview }),
        )
    }

    return {
      onEvent: (event) =>
        Effect.suspend(() => {
          display.onEvent(event)
          return rejects === undefined ? Effect.void : told(rejects.onEvent(event))
        }),
      remember: (rows) =>
        rejects === undefined
          ? rows
          : Stream.mapChunks(rows, (chunk) => {
              rejects.remember(chunk)
              return chunk
            }),
      whileRunning,
      abandon: display.abandon,
      counts: display.counts,
      writeFiles,
      summary,
      sent: display.sent,
    }
  })
