/** The run history alone, on each engine: newest first, per target, as many as asked. */
import type { Ledger, SyncReport } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Runs from "../src/internal/runs.js"
import { engines } from "./engines.js"

const target: Ledger.Target = { sync: "crm", listId: "L1" }
const report = (read: number) => ({ name: "crm", read }) as unknown as SyncReport.SyncReport

describe.each(engines)("runs on %s", (_, open) => {
  it.scopedLive("keeps each run's times and report; lists a target's runs newest first", () =>
    Effect.gen(function* () {
      const runs = yield* Effect.provide(Runs.make, yield* open)
      yield* runs.recordRun(target, { startedAt: 1, finishedAt: 2, report: report(10) })
      yield* runs.recordRun(target, { startedAt: 3, finishedAt: 1_700_000_000_000, report: report(20) })
      yield* runs.recordRun({ ...target, listId: null }, { startedAt: 5, finishedAt: 6, report: report(30) })

      expect(yield* runs.runs(target, 10)).toEqual([
        { startedAt: 3, finishedAt: 1_700_000_000_000, report: report(20) },
        { startedAt: 1, finishedAt: 2, report: report(10) },
      ])
      expect((yield* runs.runs(target, 1)).map((run) => run.startedAt)).toEqual([3])
      expect((yield* runs.runs({ ...target, listId: null }, 10)).map((run) => run.startedAt)).toEqual([5])
      expect(yield* runs.runs({ ...target, sync: "other" }, 10)).toEqual([])
    }),
  )
})
