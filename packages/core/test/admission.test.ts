/** Admission alone: mapping a chunk, the ledger's diff, the dedupe window and what a stop strands. */
import { describe, expect, it } from "@effect/vitest"
import { Chunk } from "effect"
import * as Admission from "../src/internal/admission.js"
import { Ledger, SourceRow } from "../src/index.js"
import type { Mapping, Sync, SyncEvent } from "../src/index.js"
import { mapping } from "./fixtures/rows.js"

const make = (options: { mode?: Sync.Mode; batchSize?: number; window?: number } = {}) => {
  const events: Array<SyncEvent.SyncEvent> = []
  const admission = Admission.make(
    mapping.map,
    options.mode ?? "upsert",
    options.batchSize ?? 2,
    options.window ?? 4,
    (event) => void events.push(event),
  )
  return { admission, events }
}

/** Rows `id=key, email=<email>@example.com` (an empty email is refused by the mapping: no identity). */
const chunk = (...rows: Array<readonly [key: string, email: string]>) =>
  Chunk.unsafeFromArray(
    rows.map(([id, email], i) =>
      SourceRow.make({
        position: `#${i}`,
        fields: { id, email: email === "" ? "" : `${email}@example.com` },
      }),
    ),
  )

const keys = (cut: { readonly items: ReadonlyArray<{ readonly key: string }> }) =>
  cut.items.map((row) => row.key)

/** What the ledger would hold for a mapped row sent before (its hash, and a contactId). */
const entryOf = (row: Mapping.Mapped, contactId?: number): Ledger.Entry => ({
  hash: Ledger.hashContact(row.contact),
  contactId,
})

describe("Admission", () => {
  it("maps a chunk: counts it, rejects the rows the mapping refuses in one event, returns the rest", () => {
    const { admission, events } = make()
    const first = admission.map(chunk(["a", "a"], ["b", ""], ["c", "c"]))
    const second = admission.map(chunk(["d", "d"]))
    expect(first.map((row) => row.key)).toEqual(["a", "c"])
    expect(second.map((row) => row.key)).toEqual(["d"])
    expect(events.map((event) => event._tag)).toEqual(["RowsRead", "RowsRejected", "RowsRead"])
    expect(events[0]).toEqual({ _tag: "RowsRead", count: 3, total: 3 })
    expect(events[2]).toEqual({ _tag: "RowsRead", count: 1, total: 4 })
    expect(events[1]).toMatchObject({
      by: "mapping",
      rows: [{ position: "#1", key: "b", field: "identity" }],
    })
  })

  it("without a ledger, a later row of a key supersedes the waiting one; only a full window is cut", () => {
    const { admission, events } = make()
    admission.admit(admission.map(chunk(["a", "a1"], ["b", "b"], ["a", "a2"])), undefined)
    expect(events.at(-1)).toEqual({ _tag: "RowsSuperseded", rows: [{ position: "#0", key: "a" }] })
    expect(admission.waiting()).toBe(2)
    expect(admission.cutFull()).toEqual([])
    admission.admit(admission.map(chunk(["c", "c"], ["d", "d"], ["e", "e"])), undefined)
    // 5 waiting, window 4: one batch of 2 from the oldest rows ("a" moved behind "b" when it came again).
    expect(admission.cutFull().map(keys)).toEqual([["b", "a"]])
    expect(admission.waiting()).toBe(3)
    expect(admission.cutAll().map(keys)).toEqual([["c", "d"], ["e"]])
    expect(admission.waiting()).toBe(0)
  })

  it("with a ledger: equal rows end unchanged (superseding a waiting row), known contactIds are added", () => {
    const { admission, events } = make()
    const before = admission.map(chunk(["a", "a"], ["b", "b"], ["c", "c"]))
    const known = new Map([
      ["a", entryOf(before[0]!)],
      ["b", { hash: "something else", contactId: 42 }],
    ])
    admission.admit(admission.map(chunk(["c", "c"])), new Map())
    admission.admit(before, known)
    expect(events.filter((event) => event._tag === "RowsUnchanged")).toEqual([
      { _tag: "RowsUnchanged", rows: [{ position: "#0", key: "a" }] },
    ])
    // The first "c" was waiting: the second supersedes it (one event per kind per chunk).
    expect(events.filter((event) => event._tag === "RowsSuperseded")).toEqual([
      { _tag: "RowsSuperseded", rows: [{ position: "#0", key: "c" }] },
    ])
    const [batch] = admission.cutAll()
    expect(batch!.items.map((row) => [row.key, row.contact.contactId, row.hash !== ""])).toEqual([
      ["b", 42, true],
      ["c", undefined, true],
    ])
    // The ledger records the contact as mapped, without the contactId it lent.
    expect(batch!.items[0]!.mapped.contactId).toBeUndefined()
  })

  it("an unchanged row takes an earlier waiting row of its key out of the window", () => {
    const { admission, events } = make()
    const rows = admission.map(chunk(["a", "old"], ["a", "a"]))
    admission.admit(rows, new Map([["a", entryOf(rows[1]!)]]))
    expect(events.filter((event) => event._tag !== "RowsRead")).toEqual([
      { _tag: "RowsSuperseded", rows: [{ position: "#0", key: "a" }] },
      { _tag: "RowsUnchanged", rows: [{ position: "#1", key: "a" }] },
    ])
    expect(admission.waiting()).toBe(0)
  })

  it.each([
    ["update-only", ["a"], "update-only: not synced before", ["b"]],
    ["insert-only", ["b"], "insert-only: synced before", ["a"]],
  ] as const)("mode %s sends %j and skips the rest", (mode, sent, reason, skipped) => {
    const { admission, events } = make({ mode })
    const rows = admission.map(chunk(["a", "a"], ["b", "b"]))
    admission.admit(rows, new Map([["a", { hash: "changed", contactId: undefined }]]))
    expect(events.at(-1)).toEqual({
      _tag: "RowsSkipped",
      reason,
      rows: skipped.map((key) => ({ position: key === "a" ? "#0" : "#1", key })),
    })
    expect(admission.cutAll().flatMap(keys)).toEqual(sent)
  })

  it("strands the rows held for the ledger and those waiting, marked done, each once", () => {
    const { admission } = make({ window: 10 })
    admission.admit(admission.map(chunk(["a", "a"], ["b", "b"])), undefined)
    const [cut] = admission.cutAll()
    admission.admit(admission.map(chunk(["c", "c"])), undefined)
    admission.hold(admission.map(chunk(["d", "d"], ["e", "e"])))
    const stranded = admission.strand()
    expect(stranded.map((row) => row.key)).toEqual(["d", "e", "c"])
    expect(stranded[2]).toMatchObject({ position: "#0", contact: { email: "c@example.com" } })
    expect(cut!.items.every((row) => !row.done)).toBe(true)
    expect(admission.strand()).toEqual([])
  })

  it("admitting lets the held rows go: a row is stranded from the window, not twice", () => {
    const { admission } = make()
    const rows = admission.map(chunk(["a", "a"]))
    admission.hold(rows)
    admission.admit(rows, new Map())
    expect(admission.strand().map((row) => row.key)).toEqual(["a"])
  })
})
