/**
 * What `brainsync check` found: each problem with the exit code it stands for, one line per
 * problem, the verdict, and the JSON object of `--json`.
 *
 * The exit code of several problems is the first of: 2 (the configuration, the source, a missing
 * column, no token, an unknown list: nothing would be sent), 3 (the CRM refused us), 1 (rows would
 * be rejected, or the CRM could not be reached). A sync with the same problems would stop with the
 * same code.
 */
import * as Exit from "./exit.js"

export type Kind = "config" | "source" | "column" | "token" | "list" | "crm"

export type Problem =
  | { readonly kind: Kind; readonly code: number; readonly message: string }
  | {
      readonly kind: "row"
      readonly code: number
      readonly position: string
      readonly key: string | undefined
      readonly field: string
      readonly reason: string
    }

/** What was looked at, for the verdict. */
export interface Checked {
  /** Rows read from the source, when it could be read. */
  readonly rows: number | undefined
  /** The most rows that were to be read (`--rows`). */
  readonly limit: number
  /** The list the CRM was asked about, when it was. */
  readonly listId: string | undefined
}

export const problem = (kind: Kind, code: number, message: string): Problem => ({ kind, code, message })

export const line = (problem: Problem): string =>
  problem.kind === "row"
    ? `rejected ${problem.position}: ${problem.field}: ${problem.reason}`
    : `${problem.kind}: ${problem.message}`

const PRECEDENCE = [Exit.USAGE, Exit.REFUSED, Exit.ROWS_FAILED]

export const exitCode = (problems: ReadonlyArray<Problem>): number =>
  PRECEDENCE.find((code) => problems.some((problem) => problem.code === code)) ?? Exit.OK

const plural = (n: number, one: string, many: string = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** "5 rows read (the whole source)", or "100 rows read" when the source may hold more. */
const rowsRead = ({ rows = 0, limit }: Checked) =>
  `${plural(rows, "row")} read${rows < limit ? " (the whole source)" : ""}`

export const verdict = (problems: ReadonlyArray<Problem>, checked: Checked): string => {
  if (problems.length === 0) {
    const rows =
      checked.rows === 0
        ? "the source has no rows yet, so its columns could not be checked"
        : `${rowsRead(checked)}, every mapped column exists and every row maps to a contact`
    return `ready to sync: ${rows}; the CRM accepts the token and knows list ${checked.listId}`
  }
  const count = (kind: Problem["kind"]) => problems.filter((problem) => problem.kind === kind).length
  const parts: Array<string> = []
  if (count("config") > 0) parts.push("the configuration cannot be used")
  if (count("source") > 0) parts.push("the source cannot be read")
  if (count("column") > 0) parts.push(`${plural(count("column"), "mapped column")} missing from the source`)
  if (count("row") > 0)
    parts.push(`${count("row")} of ${plural(checked.rows ?? 0, "row")} read would be rejected`)
  if (count("token") > 0) parts.push("the token is missing or refused")
  if (count("list") > 0) parts.push("the CRM does not know the list")
  if (count("crm") > 0) parts.push("the CRM could not be checked")
  return `not ready to sync: ${parts.join(", ")}; fix the ${plural(problems.length, "problem")} listed`
}

/** The object `--json` prints. */
export const json = (problems: ReadonlyArray<Problem>, checked: Checked) => ({
  ready: problems.length === 0,
  exitCode: exitCode(problems),
  rows: checked.rows ?? null,
  listId: checked.listId ?? null,
  problems,
  verdict: verdict(problems, checked),
})
