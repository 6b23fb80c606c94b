/**
 * What a person sees while a sync runs, fed with the run's events:
 * - `tty`: one status line rewritten in place (carriage return + erase line) a few times a second;
 * - `lines`: a plain status line every few seconds, for logs and pipes;
 * - `json`: every event as one JSON line, nothing else.
 */
import { type SyncEvent, SyncReport } from "@brainsync/core"
import * as Format from "./format.js"

export type Mode = "tty" | "lines" | "json"

export interface Output {
  readonly write: (text: string) => void
  /** Terminal width, for the in-place line. */
  readonly columns?: number | undefined
}

export interface Options {
  readonly mode: Mode
  readonly out: Output
  readonly style: Format.Style
  readonly name: string
  /** How much of the source was read, 0..1, when its size is known (a file). */
  readonly fraction?: (() => number | undefined) | undefined
  /** A dry run: rows are counted as "would send", and none as accepted. */
  readonly dryRun?: boolean | undefined
  /** Milliseconds between plain lines (default 2000). */
  readonly lineEvery?: number | undefined
  readonly now?: () => number
}

export interface Display {
  readonly onEvent: (event: SyncEvent.SyncEvent) => void
  /** Redraws (tty) or prints a line when due (lines); called on a timer. */
  readonly tick: () => void
  /** Draws the in-place line's last state (or a last plain line); the summary follows. */
  readonly finish: (ending?: Ending) => void
  /** Erases the in-place line and prints nothing more: the run ended before it began. */
  readonly abandon: () => void
  readonly counts: () => SyncReport.SyncReport
  /** Rows in requests that left (first attempts), and rows the CRM took with a 202. */
  readonly sent: () => number
  readonly acceptedRows: () => number
  /**
   * Where the run was when it was interrupted. (Interrupted, the sync then ends every other row in
   * its events, `accepted` or `failed`: the interruption's doing, told apart here.)
   */
  readonly atInterrupt: () => Interrupted
}

/** The counts when a run was interrupted; with `pending` and `notSent` they add up to the rows read. */
export interface Interrupted {
  readonly report: SyncReport.SyncReport
  /** Rows in batches the CRM took (202) whose final result had not come. */
  readonly pending: number
  /** Rows read that no outcome and no accepted batch holds: the next run sends them. */
  readonly notSent: number
}

/** How the run ended, for the last state of the in-place line. */
export type Ending = "finished" | "interrupted"

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

export const make = (options: Options): Display => {
  const now = options.now ?? Date.now
  const startedAt = now()
  const fold = SyncReport.accumulator(options.name, 0)
  const style = options.style
  let sent = 0
  let acceptedRows = 0
  let settledInBatches = 0
  let interrupted: Interrupted | undefined
  const snapshot = (): Interrupted => {
    const report = fold.report()
    const pending = Math.max(0, acceptedRows - settledInBatches)
    return { report, pending, notSent: Math.max(0, report.read - SyncReport.settled(report) - pending) }
  }
  let frame = 0
  let lastLine = startedAt
  let drawn = false

  const status = (): string => {
    const counts = interrupted?.report ?? fold.report()
    const elapsed = now() - startedAt
    const done = SyncReport.settled(counts)
    const rate = elapsed > 0 ? (done * 1000) / elapsed : 0
    const fraction = options.fraction?.()
    const total = fraction !== undefined && fraction > 0 ? counts.read / fraction : undefined
    // Time first, so that a narrow terminal cuts counts, not the clock.
    const clock = [Format.clock(elapsed)]
    let bar = ""
    if (total !== undefined && total > 0) {
      const ratio = Math.min(1, done / total)
      if (rate > 0 && ratio < 1) clock.push(`ETA ${Format.clock(((total - done) / rate) * 1000)}`)
      const percent = `${String(Math.floor(ratio * 100)).padStart(3)}%`
      if (options.mode === "tty") {
        const cells = 16
        const full = Math.round(ratio * cells)
        bar = `[${"█".repeat(full)}${"░".repeat(cells - full)}]${percent} `
      } else clock.unshift(percent.trim())
    }
    const parts = [
      clock.join(" "),
      `${Format.count(counts.read)} read`,
      ...(options.dryRun === true
        ? [`${Format.count(sent)} would send`]
        : [`${Format.count(sent)} sent`, Format.green(style, `${Format.count(acceptedRows)} accepted`)]),
      counts.rejected > 0
        ? Format.yellow(style, `${Format.count(counts.rejected)} rejected`)
        : `${Format.count(counts.rejected)} rejected`,
    ]
    // The CRM's final results, when a results service delivers them.
    if (counts.inserted > 0) parts.push(`${Format.count(counts.inserted)} inserted`)
    if (counts.updated > 0) parts.push(`${Format.count(counts.updated)} updated`)
    if (counts.unchanged > 0) parts.push(`${Format.count(counts.unchanged)} unchanged`)
    if (counts.failed > 0) parts.push(Format.red(style, `${Format.count(counts.failed)} failed`))
    parts.push(`${Format.count(rate)} rows/s`)
    return `${bar}${parts.join(" · ")}`
  }

  const draw = (ending?: Ending) => {
    const spinner =
      ending === "finished"
        ? Format.green(style, "✓")
        : ending === "interrupted"
          ? Format.yellow(style, "■ interrupted")
          : Format.cyan(style, SPINNER[frame++ % SPINNER.length]!)
    const line = `${spinner} ${status()}`
    // A pseudo-terminal without a size reports 0 columns.
    const given = options.out.columns ?? 0
    const columns = given > 0 ? Math.max(20, given - 1) : 79
    options.out.write(`\r${Format.truncate(line, columns)}\x1b[K`)
    drawn = true
  }

  return {
    onEvent: (event) => {
      if (event._tag === "Stopped" && event.reason === "Interrupted") interrupted = snapshot()
      fold.add(event)
      if (event._tag === "BatchSent" && event.attempt === 1) sent += event.size
      if (event._tag === "BatchAccepted") acceptedRows += event.size
      if (event._tag === "RowsSettled") settledInBatches += event.rows.length
      if (options.mode === "json") options.out.write(`${JSON.stringify(event)}\n`)
    },
    tick: () => {
      if (options.mode === "tty") draw()
      else if (options.mode === "lines" && now() - lastLine >= (options.lineEvery ?? 2000)) {
        lastLine = now()
        options.out.write(`progress: ${status()}\n`)
      }
    },
    finish: (ending = "finished") => {
      if (options.mode === "tty" && drawn) {
        draw(ending)
        options.out.write("\n")
      } else if (options.mode === "lines") options.out.write(`progress: ${status()}\n`)
    },
    abandon: () => {
      if (options.mode === "tty" && drawn) options.out.write("\r\x1b[K")
    },
    counts: fold.report,
    sent: () => sent,
    acceptedRows: () => acceptedRows,
    atInterrupt: () => interrupted ?? snapshot(),
  }
}
