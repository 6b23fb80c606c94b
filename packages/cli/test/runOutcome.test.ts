import { WebhookReceiverError } from "@brainsync/adapters-http/WebhookReceiver"
import { Ledger, SyncError, SyncReport } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as Exit from "../src/internal/exit.js"
import * as RejectRate from "../src/internal/rejectRate.js"
import * as Verdict from "../src/internal/runOutcome.js"

const report = (counts: Partial<SyncReport.SyncReport>): SyncReport.SyncReport => ({
  ...SyncReport.empty("test"),
  ...counts,
})

const context: Verdict.Context = {
  counts: () => report({ read: 7 }),
  state: undefined,
}

const ending = (result: Either.Either<SyncReport.SyncReport, Verdict.RunError>, over = {}) =>
  Either.getOrThrow(Verdict.decide(result, { ...context, ...over }))

describe("runOutcome: a run's report, exit code and why", () => {
  it("a clean run ends 0 with no message", () => {
    const done = report({ read: 10, inserted: 10 })
    expect(ending(Either.right(done))).toEqual({ report: done, code: Exit.OK, message: undefined })
  })

  it("failed rows end 1; with a state file the message points at brainsync retry", () => {
    const done = report({ read: 3, failed: 1, inserted: 2 })
    expect(ending(Either.right(done))).toMatchObject({
      code: Exit.ROWS_FAILED,
      message: "1 row could not be delivered (kept as dead letters)",
    })
    expect(ending(Either.right(report({ read: 3, failed: 2 })), { state: "/tmp/state.db" }).message).toBe(
      "2 rows could not be delivered (kept as dead letters; brainsync retry sends them again)",
    )
  })

  it("the sync's stops map to exit codes: a property the CRM does not know 2, the reject rate 1", () => {
    const stop = (reason: SyncError.Reason) =>
      Verdict.codeOf(new SyncError.SyncError({ reason, message: "" }))
    expect(stop("UnknownProperties")).toBe(Exit.USAGE)
    expect(stop("InvalidConfig")).toBe(Exit.USAGE)
    expect(stop("RejectRate")).toBe(Exit.ROWS_FAILED)
    expect(stop("Unauthorized")).toBe(Exit.REFUSED)
    const message = "75% of the 40 rows read were rejected, more than the allowed 10%"
    const over = report({ read: 40, rejected: 30, stopped: { reason: "RejectRate", message } })
    const stopped = new SyncError.SyncError({ reason: "RejectRate", message, report: over })
    expect(ending(Either.left(stopped))).toEqual({ report: over, code: Exit.ROWS_FAILED, message })
  })

  it("the CRM refusing us ends 3 and says which refusal; its report, or the counts so far, is kept", () => {
    const partial = report({ read: 100, inserted: 50 })
    const refused = ending(
      Either.left(new SyncError.SyncError({ reason: "Unauthorized", message: "bad token", report: partial })),
    )
    expect(refused).toEqual({
      report: partial,
      code: Exit.REFUSED,
      message: "the CRM refused the token (401): bad token",
    })
    const notAcceptable = ending(
      Either.left(new SyncError.SyncError({ reason: "NotAcceptable", message: "no JSON" })),
    )
    expect(notAcceptable).toEqual({
      report: context.counts(),
      code: Exit.REFUSED,
      message: "the CRM refused the request (406): no JSON",
    })
  })

  it("invalid options end 2; other stops end 1 with the sync's message", () => {
    const invalid = new SyncError.SyncError({ reason: "InvalidConfig", message: "batchSize 0" })
    expect(Verdict.codeOf(invalid)).toBe(Exit.USAGE)
    // A source that failed once rows were sent: 1; before anything was sent (its header, say): 2.
    const source = new SyncError.SyncError({
      reason: "SourceFailed",
      message: "the source failed: gone",
      report: report({ read: 500, accepted: 400, requests: 4 }),
    })
    expect(ending(Either.left(source))).toMatchObject({
      code: Exit.ROWS_FAILED,
      message: "the source failed: gone",
    })
    const early = new SyncError.SyncError({
      reason: "SourceFailed",
      message: "the source failed: the file is empty",
    })
    expect(Verdict.codeOf(early)).toBe(Exit.USAGE)
  })

  it("another run holding the state ends 4; a state file that failed says what it holds and what the next run does", () => {
    expect(Verdict.codeOf(new SyncError.SyncError({ reason: "AlreadyRunning", message: "" }))).toBe(
      Exit.STATE_HELD,
    )
    const partial = report({ read: 5000, accepted: 1200, inserted: 800, failed: 3000 })
    const full = new SyncError.SyncError({
      reason: "LedgerFailed",
      message: "the ledger failed: cannot record the run: database or disk is full",
      report: partial,
      cause: new Ledger.LedgerError({ message: "cannot record an accepted batch: database or disk is full" }),
    })
    expect(ending(Either.left(full), { state: "/data/state.db" })).toEqual({
      report: partial,
      code: Exit.ROWS_FAILED,
      message:
        "the state file /data/state.db could not be used (cannot record an accepted batch: database or disk is full): it holds the 2,000 rows the CRM accepted in this run and those of earlier runs; the other rows are not recorded, and the next run sends them again once the file can be written (free disk space, or make it writable)",
    })
  })

  it("a layer the configuration made that cannot be built stops the command with exit 2", () => {
    const stopped = Verdict.decide(
      Either.left(new WebhookReceiverError({ message: "cannot listen on 127.0.0.1:80" })),
      context,
    )
    expect(stopped).toEqual(Either.left(Exit.usage("cannot listen on 127.0.0.1:80")))
  })

  it("a file that could not be written turns only a clean run into exit 1", () => {
    const clean = { report: report({ read: 1 }), code: Exit.OK, message: undefined }
    expect(Verdict.afterWrites(clean, undefined)).toBe(clean)
    expect(Verdict.afterWrites(clean, "cannot write /x: EACCES")).toEqual({
      ...clean,
      code: Exit.ROWS_FAILED,
      message: "cannot write /x: EACCES",
    })
    const refused = { ...clean, code: Exit.REFUSED, message: "refused" }
    expect(Verdict.afterWrites(refused, "cannot write /x")).toBe(refused)
  })

  it("percentages drop a trailing .0", () => {
    expect([RejectRate.percent(0.05), RejectRate.percent(0.075), RejectRate.percent(1)]).toEqual([
      "5%",
      "7.5%",
      "100%",
    ])
  })
})
