/**
 * Forged webhook reports: what an attacker who learned the receiver's URL could post for a real
 * batch before the CRM's own report arrives. Each differs from what the CRM would report in one way.
 */
import { randomUUID } from "node:crypto"
import type { Sent } from "./crmFront.js"
import type { Forgery } from "./corpusCase.js"

interface Result {
  readonly index: number
  readonly contactId: string | null
  readonly outcome: "inserted" | "updated" | "skipped"
}

const tally = (results: ReadonlyArray<Result>, outcome: Result["outcome"]) => {
  const ids = results.flatMap((r) => (r.outcome === outcome && r.contactId !== null ? [r.contactId] : []))
  return { count: results.filter((r) => r.outcome === outcome).length, contactIds: ids }
}

const reportOf = (batchId: string, listId: string, results: ReadonlyArray<Result>) => ({
  batchId,
  listId,
  inserted: tally(results, "inserted"),
  updated: tally(results, "updated"),
  skipped: tally(results, "skipped"),
  results,
})

/** The forged report for `sent` (`victim` is a contactId the CRM holds for another person). */
const forgedReport = (
  forgery: Forgery,
  sent: Sent,
  context: { readonly listId: string; readonly victim: string },
): unknown => {
  const batchId = sent.batchId ?? "unknown"
  const rows = sent.body.createUpdateContacts.length
  const fresh = (i: number) => String(900_000 + i)
  const inserted = Array.from({ length: rows }, (_, index): Result => ({
    index,
    contactId: fresh(index),
    outcome: "inserted",
  }))
  switch (forgery) {
    case "wrongBatchId":
    case "wrongPath":
    case "notJson":
      return reportOf(`${batchId}-other`, context.listId, inserted)
    case "oversized":
      return { ...reportOf(batchId, context.listId, inserted), padding: "x".repeat(2 * 1024 * 1024) }
    case "wrongList":
      return reportOf(batchId, randomUUID(), inserted)
    case "wrongCounts": {
      const report = reportOf(batchId, context.listId, inserted)
      return { ...report, inserted: { ...report.inserted, count: rows + 7 } }
    }
    case "repeatedIndices":
      return reportOf(
        batchId,
        context.listId,
        inserted.map((r) => ({ ...r, index: 0 })),
      )
    case "indexOutOfRange":
      return reportOf(
        batchId,
        context.listId,
        inserted.map((r) => ({ ...r, index: r.index + rows })),
      )
    case "missingResults":
      return reportOf(batchId, context.listId, inserted.slice(0, Math.max(1, Math.floor(rows / 2))))
    case "oneContactIdForEveryRow":
      return reportOf(
        batchId,
        context.listId,
        inserted.map((r) => ({ ...r, contactId: context.victim, outcome: "updated" as const })),
      )
    case "nonPositiveContactId":
      return reportOf(
        batchId,
        context.listId,
        inserted.map((r) => ({ ...r, contactId: r.index % 2 === 0 ? "-1" : "0" })),
      )
    case "tallyIdsNotInResults": {
      const report = reportOf(batchId, context.listId, inserted)
      return { ...report, inserted: { count: rows, contactIds: inserted.map((r) => fresh(r.index + 5000)) } }
    }
  }
}

/** Posts the forgery for `sent` to its webhook URL; the receiver's status (0 when it could not be reached). */
export const postForgery = async (
  forgery: Forgery,
  sent: Sent,
  context: { readonly listId: string; readonly victim: string },
): Promise<number> => {
  const url = sent.body.webHookUrl
  if (typeof url !== "string") return 0
  const body = forgery === "notJson" ? '{"batchId": "' : JSON.stringify(forgedReport(forgery, sent, context))
  const target = forgery === "wrongPath" ? `${url.slice(0, -1)}${url.endsWith("x") ? "y" : "x"}` : url
  try {
    const response = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    })
    await response.arrayBuffer()
    return response.status
  } catch {
    return 0
  }
}
