/** A run's ledger steps alone, over the in-memory ledger: what each writes, and how a failure reads. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as LedgerSteps from "../src/internal/ledgerSteps.js"
import { Ledger, SyncReport } from "../src/index.js"
import { item } from "./fixtures/items.js"

const target = Ledger.target("steps", null)

describe("LedgerSteps", () => {
  it.effect("accepted rows are looked up by their hash; contactIds learned later join them", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger.makeMemory
      const steps = LedgerSteps.make(ledger, target)
      const row = { ...item("a"), hash: "h1", contact: { email: "a@example.com", contactId: 9 } }
      yield* steps.recordAccepted({ batch: 1, batchId: "b1", items: [row] })
      expect(yield* steps.lookup(["a", "b"])).toEqual(new Map([["a", { hash: "h1", contactId: undefined }]]))
      // The ledger keeps the contact as mapped, not as sent with a contactId lent to it.
      expect(yield* ledger.acceptedContacts(target, ["a"])).toEqual(
        new Map([["a", { email: "a@example.com" }]]),
      )
      yield* steps.recordContactIds([{ key: "a", contactId: 7 }])
      expect(yield* steps.lookup(["a"])).toEqual(new Map([["a", { hash: "h1", contactId: 7 }]]))
    }),
  )

  it.effect("failed rows become dead letters, with the contact as it was to be sent", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger.makeMemory
      yield* LedgerSteps.make(ledger, target).recordFailed([item("a")], "500 Server Error: boom")
      expect(yield* ledger.deadLetters(target)).toEqual([
        { key: "a", position: "row a", contact: { email: "a@example.com" }, error: "500 Server Error: boom" },
      ])
    }),
  )

  it.effect("the run is recorded as finished when recordRun runs", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger.makeMemory
      const report = SyncReport.empty("steps")
      yield* TestClock.adjust("5 seconds")
      yield* LedgerSteps.make(ledger, target).recordRun(1000, report)
      expect(yield* ledger.runs(target, 5)).toEqual([{ startedAt: 1000, finishedAt: 5000, report }])
    }),
  )

  it.effect(
    "a ledger failure stops the run: LedgerFailed, as a Fatal during it and a SyncError at its end",
    () =>
      Effect.gen(function* () {
        const broken = new Ledger.LedgerError({ message: "disk full" })
        const memory = yield* Ledger.makeMemory
        const steps = LedgerSteps.make(
          { ...memory, lookup: () => Effect.fail(broken), recordRun: () => Effect.fail(broken) },
          target,
        )
        const during = yield* Effect.flip(steps.lookup(["a"]))
        expect(during).toMatchObject({
          _tag: "Fatal",
          reason: "LedgerFailed",
          message: "the ledger failed: disk full",
          cause: broken,
        })
        const report = SyncReport.empty("steps")
        const atEnd = yield* Effect.flip(steps.recordRun(0, report))
        expect(atEnd).toMatchObject({
          _tag: "SyncError",
          reason: "LedgerFailed",
          message: "the ledger failed: disk full",
          report,
        })
      }),
  )
})
