import { WebhookReceiverError } from "@brainsync/adapters-http/WebhookReceiver"
import { SyncError, SyncReport } from "@brainsync/core"
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
  maxRejectRate: undefined,
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

  it("more rejects than the allowed rate end 1; exactly the rate does not", () => {
    const over = report({ read: 40, rejected: 3, inserted: 37 })
    expect(ending(Either.right(over), { maxRejectRate: 0.05 })).toMatchObject({
      code: Exit.ROWS_FAILED,
      message: "7.5% of the rows were rejected, more than the allowed 5%",
    })
    const at = report({ read: 20, rejected: 1, inserted: 19 })
    expect(ending(Either.right(at), { maxRejectRate: 0.05 }).code).toBe(Exit.OK)
    expect(ending(Either.right(report({ read: 0 })), { maxRejectRate: 0 }).code).toBe(Exit.OK)
  })

  it("failed rows are told before the reject rate", () => {
    const both = report({ read: 10, rejected: 5, failed: 5 })
    expect(ending(Either.right(both), { maxRejectRate: 0.1 }).message).toMatch(/could not be delivered/)
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
    const source = new SyncError.SyncError({ reason: "SourceFailed", message: "the source failed: gone" })
    expect(ending(Either.left(source))).toMatchObject({
      code: Exit.ROWS_FAILED,
      message: "the source failed: gone",
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
