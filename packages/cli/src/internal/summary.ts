/** The table printed at the end of a run: every outcome with its count, the requests, the time, the files. */
import type { DryRun, SyncReport } from "@brainsync/core"
import * as Format from "./format.js"

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

export const render = (report: SyncReport.SyncReport, options: Options): string => {
  const { style } = options
  const rule = `  ${Format.dim(style, "─".repeat(56))}`
  const row = (label: string, value: string, note = "") =>
    `  ${Format.padEnd(label, 12)}${Format.padStart(value, 9)}  ${Format.dim(style, note)}`.trimEnd()
  const tone = (outcome: string, text: string) =>
    outcome === "failed"
      ? Format.red(style, text)
      : outcome === "rejected"
        ? Format.yellow(style, text)
        : outcome === "inserted" || outcome === "updated"
          ? Format.green(style, text)
          : text
  const rate = options.elapsedMillis > 0 ? (report.read * 1000) / options.elapsedMillis : 0
  const lines = [
    "",
    `  ${Format.bold(style, report.name)}${options.dryRun === true ? Format.yellow(style, "  (dry run: nothing was sent)") : ""}`,
    rule,
    ...OUTCOMES.map(([outcome, note]) =>
      report[outcome] === 0
        ? Format.dim(style, row(outcome, "0"))
        : row(
            tone(outcome, outcome),
            tone(outcome, Format.count(report[outcome])),
            outcome === "accepted" && options.dryRun === true ? "would be sent" : note,
          ),
    ),
    ...(options.preview === undefined ? [] : previewLines(options.preview, row)),
    rule,
    row("rows read", Format.count(report.read)),
    row(
      options.dryRun === true ? "would send" : "requests",
      Format.count(report.requests),
      `${report.batches} batch${report.batches === 1 ? "" : "es"} · ${report.retries} retried · ${report.rateLimited} rate-limited` +
        (report.splits > 0 ? ` · ${report.splits} split` : "") +
        (report.resultsMissing > 0 ? ` · ${report.resultsMissing} without results` : ""),
    ),
    row("time", Format.duration(options.elapsedMillis), `${Format.count(rate)} rows/s`),
  ]
  if (options.files.length > 0) {
    lines.push(rule)
    for (const file of options.files) lines.push(`  ${Format.padEnd(file.label, 12)}${file.path}`)
  }
  if (report.stopped !== undefined)
    lines.push(rule, Format.red(style, `  STOPPED: ${report.stopped.message}`))
  return `${lines.join("\n")}\n`
}

const shown = (value: unknown) => (value === undefined ? "(none)" : JSON.stringify(value))

const previewLines = (
  preview: DryRun.Preview,
  row: (label: string, value: string, note?: string) => string,
): ReadonlyArray<string> => [
  row("→ insert", Format.count(preview.insert), "rows the state has never sent"),
  row("→ update", Format.count(preview.update), "rows changed since they were last sent"),
  ...preview.differences.flatMap((difference) => [
    `    ${difference.position}  ${difference.key}`,
    ...difference.changes.map(
      (change) => `      ${change.field}: ${shown(change.before)} → ${shown(change.after)}`,
    ),
  ]),
]
