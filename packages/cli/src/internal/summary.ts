/** The table printed at the end of a run: every outcome with its count, the requests, the time, the files. */
import type { DryRun, SyncReport } from "@brainsync/core"
import * as Format from "./format.js"
import type * as Progress from "./progress.js"

export interface File {
  readonly label: string
  readonly path: string
}

export interface Options {
  readonly style: Format.Style
  readonly elapsedMillis: number
  readonly files: ReadonlyArray<File>
  readonly dryRun?: boolean | undefined
  /** A dry run's prediction: shown as the inserts and updates it would make, with their changes. */
  readonly preview?: DryRun.Preview | undefined
  /**
   * The run was interrupted: the table is the counts so far, with the rows that had no outcome yet
   * (accepted with results pending, and not sent), so that its lines add up to the rows read.
   */
  readonly interrupted?: Pick<Progress.Interrupted, "pending" | "notSent"> | undefined
}

const OUTCOMES = [
  ["inserted", "new contacts the CRM created"],
  ["updated", "existing contacts the CRM updated"],
  ["skipped", "skipped by the CRM or by the sync mode"],
  ["accepted", "taken (202), final result not known"],
  ["unchanged", "same as last sync: not sent"],
  ["superseded", "a later row with the same key won"],
  ["rejected", "not sendable: see the rejects"],
  ["failed", "not delivered: dead letters"],
] as const

/** A line of the table: a label, a right-aligned count and a note. */
type Row = readonly [label: string, value: string, note?: string]

const plural = (n: number, one: string, many: string) => `${Format.count(n)} ${n === 1 ? one : many}`

export const render = (report: SyncReport.SyncReport, options: Options): string => {
  const { style, interrupted } = options
  const dryRun = options.dryRun === true
  const tone = (outcome: string, text: string) =>
    outcome === "failed"
      ? Format.red(style, text)
      : outcome === "rejected"
        ? Format.yellow(style, text)
        : outcome === "inserted" || outcome === "updated"
          ? Format.green(style, text)
          : text
  const rate = options.elapsedMillis > 0 ? (report.read * 1000) / options.elapsedMillis : 0
  const outcomes: Array<Row> = OUTCOMES.map(([outcome, note]) =>
    report[outcome] === 0
      ? [Format.dim(style, outcome), Format.dim(style, "0")]
      : [
          tone(outcome, outcome),
          tone(outcome, Format.count(report[outcome])),
          outcome === "accepted" && dryRun ? "would be sent" : note,
        ],
  )
  if (interrupted !== undefined) {
    outcomes.push(
      [
        "accepted, result pending",
        Format.count(interrupted.pending),
        "the CRM took them (202); their final result had not come",
      ],
      [
        dryRun ? "not processed" : "not sent",
        Format.count(interrupted.notSent),
        dryRun ? "read, not mapped and diffed yet" : "read, not accepted by the CRM: the next run sends them",
      ],
    )
  }
  const totals: Array<Row> = [
    ["rows read", Format.count(report.read)],
    ...notices(report, style),
    [
      dryRun ? "would send" : "requests",
      Format.count(report.requests),
      `${dryRun ? "" : "sent · "}${plural(report.batches, "batch", "batches")} formed · ${report.retries} retried · ${report.rateLimited} rate-limited` +
        (report.splits > 0 ? ` · ${report.splits} split` : "") +
        (report.resultsMissing > 0 ? ` · ${report.resultsMissing} without results` : ""),
    ],
    ["time", Format.duration(options.elapsedMillis), `${Format.count(rate)} rows/s`],
  ]
  const labelWidth = Math.max(12, ...[...outcomes, ...totals].map(([label]) => Format.width(label) + 2))
  const rule = `  ${Format.dim(style, "─".repeat(labelWidth + 44))}`
  const line = ([label, value, note = ""]: Row) =>
    `  ${Format.padEnd(label, labelWidth)}${Format.padStart(value, 9)}  ${note === "" ? "" : Format.dim(style, note)}`.trimEnd()
  const title = `  ${Format.bold(style, report.name)}${dryRun ? Format.yellow(style, "  (dry run: nothing was sent)") : ""}`
  const lines = [
    "",
    interrupted === undefined ? title : `${title}${Format.yellow(style, "  INTERRUPTED: the counts so far")}`,
    rule,
    ...outcomes.map(line),
    ...(options.preview === undefined ? [] : previewLines(options.preview, line)),
    rule,
    ...totals.map(line),
  ]
  if (options.files.length > 0) {
    lines.push(rule)
    for (const file of options.files) lines.push(`  ${Format.padEnd(file.label, labelWidth)}${file.path}`)
  }
  if (report.stopped !== undefined)
    lines.push(rule, Format.red(style, `  STOPPED: ${report.stopped.message}`))
  return `${lines.join("\n")}\n`
}

/** What the CRM dropped from rows it took, rows it merged, reports refused: not outcomes, so below the rows read. */
const notices = (report: SyncReport.SyncReport, style: Format.Style): ReadonlyArray<Row> => {
  const rows: Array<Row> = []
  if (report.warned > 0) {
    const dropped = [
      ...(report.unknownProperties.length > 0
        ? [`properties the CRM does not know: ${report.unknownProperties.join(", ")}`]
        : []),
      ...(report.warnedRows.some((row) => row.field === "contactId")
        ? ["contactIds the CRM does not know"]
        : []),
    ]
    rows.push([
      Format.yellow(style, "warnings"),
      Format.yellow(style, Format.count(report.warned)),
      dropped.join("; "),
    ])
  }
  if (report.merged > 0)
    rows.push([
      Format.yellow(style, "merged"),
      Format.yellow(style, Format.count(report.merged)),
      "rows with another key than an earlier row, but the same CRM contact",
    ])
  if (report.reportsRefused > 0)
    rows.push([
      Format.red(style, "refused"),
      Format.red(style, Format.count(report.reportsRefused)),
      "webhook reports not applied: not fitting a batch this run awaits (forged, or its 202 was lost)",
    ])
  return rows
}

const shown = (value: unknown) => (value === undefined ? "(none)" : JSON.stringify(value))

const previewLines = (preview: DryRun.Preview, line: (row: Row) => string): ReadonlyArray<string> => [
  line(["→ insert", Format.count(preview.insert), "rows the state has never sent"]),
  line(["→ update", Format.count(preview.update), "rows changed since they were last sent"]),
  ...preview.differences.flatMap((difference) => [
    `    ${difference.position}  ${difference.key}`,
    ...difference.changes.map(
      (change) => `      ${change.field}: ${shown(change.before)} → ${shown(change.after)}`,
    ),
  ]),
]
