/**
 * Admission: what becomes of a chunk's rows before any of them is sent. The mapping rejects some
 * (`rejected`); with a ledger, a row equal to what it has ends `unchanged`, a row the mode
 * excludes ends `skipped`, and known contactIds are added to the rest; the rest wait in the
 * dedupe window (`Batcher`), where a later row with the same key supersedes a waiting one
 * (`superseded`). Each outcome is noted for the report at once, one event per kind per chunk.
 *
 * Plain synchronous code over a chunk's rows, made once per run. The ledger lookup between `map`
 * and `admit` is the caller's: meanwhile the chunk's rows are `hold`, so a stop can fail them.
 */
import { Chunk } from "effect"
import type { Contact } from "../Contact.js"
import type { Entry } from "../Ledger.js"
import type { Mapped, Mapping } from "../Mapping.js"
import type { SourceRow } from "../SourceRow.js"
import type { Mode } from "../Sync.js"
import type { PassedRow, RejectedRow, SyncEvent } from "../SyncEvent.js"
import * as Batcher from "./batcher.js"
import { hashContact } from "./hash.js"
import { emailsOfRun, identities } from "./identity.js"

/** A row admitted but in no batch: held, or waiting in the window. */
export interface Unbatched {
  readonly position: string
  readonly key: string
  readonly contact: Contact
}

export interface Admission {
  /** Maps a chunk's rows: notes `RowsRead`, and `RowsRejected` for the rows the mapping refuses; returns the rest. */
  readonly map: (rows: Chunk.Chunk<SourceRow>) => Array<Mapped>
  /** Holds mapped rows while the ledger is looked up for them (none has an outcome yet). */
  readonly hold: (rows: ReadonlyArray<Mapped>) => void
  /**
   * Puts mapped rows into the dedupe window, in order; with a ledger, `known` holds what it has
   * of their keys. Rows held before are let go.
   */
  readonly admit: (rows: ReadonlyArray<Mapped>, known: ReadonlyMap<string, Entry> | undefined) => void
  /** The count rule: cuts the batches that a full window makes ready. */
  readonly cutFull: () => Array<Batcher.Cut>
  /** Cuts every waiting row into batches (end of source, or idle). */
  readonly cutAll: () => Array<Batcher.Cut>
  /** Rows waiting in the window. */
  readonly waiting: () => number
  /** For a stop: the rows held or waiting that have no outcome yet, marked done; none is held after. */
  readonly strand: () => Array<Unbatched>
}

const NO_IDS: ReadonlyArray<never> = []
const NONE_HELD: ReadonlyArray<Mapped> = []

const itemOf = (row: Mapped, hash: string): Batcher.Item => ({
  position: row.position,
  key: row.key,
  mapped: row.contact,
  contact: row.contact,
  ids: NO_IDS,
  hash,
  accepted: false,
  done: false,
})

/** The rows' terminal form for a `RowsSuperseded` event; they are done. */
const passed = (items: ReadonlyArray<Batcher.Item>): Array<PassedRow> => {
  const rows = new Array<PassedRow>(items.length)
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!
    item.done = true
    rows[i] = { position: item.position, key: item.key }
  }
  return rows
}

export const make = (
  map: Mapping["map"],
  mode: Mode,
  batchSize: number,
  dedupeWindow: number,
  note: (event: SyncEvent) => void,
): Admission => {
  const window = Batcher.make(batchSize, dedupeWindow)
  let held = NONE_HELD
  let read = 0
  const emails = emailsOfRun()

  const mapRows = (rows: Chunk.Chunk<SourceRow>): Array<Mapped> => {
    const count = rows.length
    read += count
    note({ _tag: "RowsRead", count, total: read })
    const mapped: Array<Mapped> = []
    let rejected: Array<RejectedRow> | undefined
    let merged: Array<PassedRow> | undefined
    const array = Chunk.toReadonlyArray(rows)
    for (let i = 0; i < count; i++) {
      const result = map(array[i]!)
      if (result._tag === "Rejection")
        (rejected ??= []).push({
          position: result.position,
          key: result.key,
          field: result.field,
          reason: result.reason,
        })
      else {
        mapped.push(result)
        const email = result.contact.email
        if (email != null && emails.merges(email, result.key))
          (merged ??= []).push({ position: result.position, key: result.key })
      }
    }
    if (rejected !== undefined) note({ _tag: "RowsRejected", by: "mapping", rows: rejected })
    if (merged !== undefined) note({ _tag: "RowsMerged", rows: merged })
    return mapped
  }

  /** Identities are computed only for rows that go on into the window. */
  const enqueue = (item: Batcher.Item): Batcher.Item | undefined => {
    item.ids = identities(item.contact)
    return window.add(item)
  }

  /**
   * A row equal to the ledger's ends `unchanged`, and supersedes an earlier waiting row of its key
   * (the CRM already has the last row's values).
   */
  const admit = (rows: ReadonlyArray<Mapped>, known: ReadonlyMap<string, Entry> | undefined) => {
    held = NONE_HELD
    let superseded: Array<Batcher.Item> | undefined
    let unchanged: Array<PassedRow> | undefined
    let excluded: Array<PassedRow> | undefined
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!
      let previous: Batcher.Item | undefined
      if (known === undefined) previous = enqueue(itemOf(row, ""))
      else {
        const entry = known.get(row.key)
        if (mode === "update-only" ? entry === undefined : mode === "insert-only" && entry !== undefined) {
          ;(excluded ??= []).push({ position: row.position, key: row.key })
        } else {
          const hash = hashContact(row.contact)
          if (entry !== undefined && entry.hash === hash) {
            previous = window.drop(row.key)
            ;(unchanged ??= []).push({ position: row.position, key: row.key })
          } else {
            const item = itemOf(row, hash)
            if (entry?.contactId !== undefined && item.contact.contactId == null)
              item.contact = { ...item.contact, contactId: entry.contactId }
            previous = enqueue(item)
          }
        }
      }
      if (previous !== undefined) (superseded ??= []).push(previous)
    }
    if (superseded !== undefined) note({ _tag: "RowsSuperseded", rows: passed(superseded) })
    if (unchanged !== undefined) note({ _tag: "RowsUnchanged", rows: unchanged })
    if (excluded !== undefined)
      note({
        _tag: "RowsSkipped",
        reason: mode === "update-only" ? "update-only: not synced before" : "insert-only: synced before",
        rows: excluded,
      })
  }

  const strand = (): Array<Unbatched> => {
    const rows: Array<Unbatched> = [...held]
    held = NONE_HELD
    for (const item of window.waiting())
      if (!item.done) {
        item.done = true
        rows.push(item)
      }
    return rows
  }

  return {
    map: mapRows,
    hold: (rows) => {
      held = rows
    },
    admit,
    cutFull: window.ready,
    cutAll: window.flush,
    waiting: window.size,
    strand,
  }
}
