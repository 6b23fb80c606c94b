/**
 * Whether a batch report fits the batch it claims to answer. A report comes from whoever knows
 * the webhook's URL, and a URL leaks (proxies, logs, the CRM's side), so nothing of a report is
 * believed unless all of it fits what was sent: the batch id of the 202, the list, one result per
 * contact (indices 0..n-1, each once), tallies that add up to the results, and, for a contact
 * sent with a contactId, a result that names that same contact.
 */
import type { BatchReport, Outcome } from "../BatchReport.js"
import type { Expected } from "../BatchResults.js"
import { parseInt64Text } from "../Int64.js"

const OUTCOMES: ReadonlyArray<Outcome> = ["inserted", "updated", "skipped"]

/** The first way `report` does not fit `expected`, in one line; `undefined` when it fits. */
export const inconsistency = (expected: Expected, report: BatchReport): string | undefined => {
  if (report.batchId !== expected.batchId)
    return `the report is for batch ${report.batchId}, not ${expected.batchId}`
  if (report.listId !== expected.listId)
    return `the report names list ${report.listId ?? "none"}, the batch was sent to ${expected.listId ?? "none"}`
  const size = expected.contactIds.length
  if (report.results.length !== size)
    return `the report has ${report.results.length} results for a batch of ${size} contacts`
  const seen = new Array<boolean>(size).fill(false)
  for (const result of report.results) {
    if (result.index >= size) return `result index ${result.index} is outside the batch (0..${size - 1})`
    if (seen[result.index]) return `result index ${result.index} appears twice`
    seen[result.index] = true
    if (result.contactId !== null) {
      const contactId = parseInt64Text(result.contactId)
      if (typeof contactId !== "number" || contactId <= 0)
        return `result ${result.index} has contactId "${result.contactId}", not a positive int64`
      const sent = expected.contactIds[result.index]
      if (sent !== undefined && sent !== contactId)
        return `result ${result.index} names contact ${contactId}, the row was sent for contact ${sent}`
    }
  }
  for (const outcome of OUTCOMES) {
    const ids = report.results.flatMap((result) =>
      result.outcome === outcome && result.contactId !== null ? [result.contactId] : [],
    )
    const count = report.results.filter((result) => result.outcome === outcome).length
    const tally = report[outcome]
    if (tally.count !== count)
      return `the report counts ${tally.count} ${outcome} where its results have ${count}`
    if (!sameIds(tally.contactIds, ids))
      return `the report's ${outcome} contactIds differ from those of its ${outcome} results`
  }
  return undefined
}

/** The same ids, as many times each, in any order. */
const sameIds = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => {
  if (a.length !== b.length) return false
  const left = new Map<string, number>()
  for (const id of a) left.set(id, (left.get(id) ?? 0) + 1)
  for (const id of b) {
    const n = left.get(id)
    if (n === undefined || n === 0) return false
    left.set(id, n - 1)
  }
  return true
}
