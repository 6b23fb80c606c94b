/** BatchResults.check: each way a report can fail to fit the batch it claims. */
import { describe, expect, it } from "@effect/vitest"
import { type BatchReport, BatchResults } from "../src/index.js"

const LIST = "9fc6ad7d-902a-4834-b161-a4911b883d44"

/** Three contacts: a new one, one matched by email, one sent with contactId 4294967300. */
const batch: BatchResults.Expected = {
  batchId: "b-1",
  listId: LIST,
  contactIds: [undefined, undefined, 4294967300],
}

const fitting: BatchReport.BatchReport = {
  batchId: "b-1",
  listId: LIST,
  inserted: { count: 1, contactIds: ["4294967400"] },
  updated: { count: 2, contactIds: ["4294967300", "4294967350"] },
  skipped: { count: 0, contactIds: [] },
  results: [
    { index: 2, contactId: "4294967300", outcome: "updated" },
    { index: 0, contactId: "4294967400", outcome: "inserted" },
    { index: 1, contactId: "4294967350", outcome: "updated" },
  ],
}

const results = (...changes: ReadonlyArray<Partial<BatchReport.ContactResult>>) =>
  fitting.results.map((result, i) => ({ ...result, ...changes[i] }))

describe("BatchResults.check", () => {
  it("passes a report that fits, its results in any order", () => {
    expect(BatchResults.check(batch, fitting)).toBeUndefined()
  })

  it("refuses another batch id", () => {
    expect(BatchResults.check(batch, { ...fitting, batchId: "b-2" })).toBe(
      "the report is for batch b-2, not b-1",
    )
  })

  it("refuses another list, or none for a batch sent to one", () => {
    const other = "00000000-0000-4000-8000-000000000000"
    expect(BatchResults.check(batch, { ...fitting, listId: other })).toBe(
      `the report names list ${other}, the batch was sent to ${LIST}`,
    )
    expect(BatchResults.check(batch, { ...fitting, listId: null })).toBe(
      `the report names list none, the batch was sent to ${LIST}`,
    )
  })

  it("refuses fewer or more results than the batch's contacts", () => {
    expect(BatchResults.check(batch, { ...fitting, results: fitting.results.slice(0, 2) })).toBe(
      "the report has 2 results for a batch of 3 contacts",
    )
    expect(
      BatchResults.check(batch, {
        ...fitting,
        results: [...fitting.results, { index: 3, contactId: null, outcome: "skipped" }],
      }),
    ).toBe("the report has 4 results for a batch of 3 contacts")
  })

  it("refuses an index outside the batch, or one given twice", () => {
    expect(BatchResults.check(batch, { ...fitting, results: results({}, { index: 3 }) })).toBe(
      "result index 3 is outside the batch (0..2)",
    )
    expect(BatchResults.check(batch, { ...fitting, results: results({}, {}, { index: 0 }) })).toBe(
      "result index 0 appears twice",
    )
  })

  it("refuses tallies that do not add up to the results", () => {
    expect(
      BatchResults.check(batch, {
        ...fitting,
        updated: { count: 3, contactIds: fitting.updated.contactIds },
      }),
    ).toBe("the report counts 3 updated where its results have 2")
    expect(
      BatchResults.check(batch, { ...fitting, inserted: { count: 1, contactIds: ["4294967999"] } }),
    ).toBe("the report's inserted contactIds differ from those of its inserted results")
  })

  it("refuses a result naming another contact than the one its row was sent with", () => {
    const moved = {
      ...fitting,
      updated: { count: 2, contactIds: ["4294967301", "4294967350"] },
      results: results({ contactId: "4294967301" }),
    }
    expect(BatchResults.check(batch, moved)).toBe(
      "result 2 names contact 4294967301, the row was sent for contact 4294967300",
    )
  })

  it("refuses a contactId that is not a positive int64", () => {
    for (const contactId of ["0", "-1", "abc", "99999999999999999999"]) {
      const bad = {
        ...fitting,
        inserted: { count: 1, contactIds: [contactId] },
        results: results({}, { contactId }),
      }
      expect(BatchResults.check(batch, bad)).toBe(
        `result 0 has contactId "${contactId}", not a positive int64`,
      )
    }
  })

  it("passes results without a contactId, which carry no identity to check", () => {
    const anonymous = {
      ...fitting,
      inserted: { count: 1, contactIds: [] },
      updated: { count: 2, contactIds: ["4294967350"] },
      results: results({ contactId: null }, { contactId: null }),
    }
    expect(BatchResults.check(batch, anonymous)).toBeUndefined()
  })
})
