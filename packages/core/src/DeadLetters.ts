/**
 * Sending a sync's dead letters again: the rows that ended `failed` (retries exhausted, or the
 * run stopped) are kept in the ledger with what was to be sent; `retry` sends those, and only
 * those, through `Sync.run` under the same sync name (so the lease, the diff and the commit rule
 * apply). A row that is accepted leaves the dead letters; one that fails again stays with its
 * new error. It needs only the `Ledger` service, so any ledger serves (the SQL one keeps dead
 * letters between runs).
 *
 * ```ts
 * DeadLetters.retry({ name: "crm-contacts", mapping }).pipe(Effect.provide(SqlLedger.layerSqlite(path)))
 * ```
 *
 * @since 0.1.0
 * @module
 */
import { Chunk, Effect, Stream } from "effect"
import type { Contact } from "./Contact.js"
import type { ContactSink } from "./ContactSink.js"
import * as Ledger from "./Ledger.js"
import type { Mapping } from "./Mapping.js"
import * as SourceRow from "./SourceRow.js"
import * as Sync from "./Sync.js"
import { ledgerFailed, type SyncError } from "./SyncError.js"
import type { SyncEvent } from "./SyncEvent.js"
import type { SyncReport } from "./SyncReport.js"

/**
 * The options of `Sync.run` without `source` and `mode`: the dead letters are the source, and
 * each of them is sent.
 *
 * @since 0.1.0
 * @category models
 */
export type Options = Omit<Sync.Options<never, never>, "source" | "mode">

/**
 * The dead letters of a sync (the target is the name and the mapping's list).
 *
 * @since 0.1.0
 * @category utils
 */
export const list = (
  options: Pick<Options, "name" | "mapping">,
): Effect.Effect<ReadonlyArray<Ledger.DeadLetter>, Ledger.LedgerError, Ledger.Ledger> =>
  Effect.flatMap(Ledger.Ledger, (ledger) =>
    ledger.deadLetters(Ledger.target(options.name, options.mapping.config.listId)),
  )

/**
 * Sends the sync's dead letters again (as they were to be sent, not re-read from the source).
 * Fails with `SyncError` like `Sync.run`; a run with no dead letters sends nothing.
 *
 * @since 0.1.0
 * @category running
 */
export const retry = (options: Options): Effect.Effect<SyncReport, SyncError, ContactSink | Ledger.Ledger> =>
  Effect.gen(function* () {
    const target = Ledger.target(options.name, options.mapping.config.listId)
    const letters = yield* list(options).pipe(Effect.mapError(ledgerFailed))
    const contacts = new Map<string, Contact>()
    const byRow = new WeakMap<SourceRow.SourceRow, Ledger.DeadLetter>()
    const rows = letters.map((letter) => {
      const row = SourceRow.make({ position: letter.position, fields: { key: letter.key } })
      byRow.set(row, letter)
      return row
    })
    // A dead letter carries a contactId the ledger learned (the diff adds it again); the mapped
    // contact, which the ledger's hash is of, has one only when the mapping reads it from a column.
    const mapsContactId = options.mapping.config.fields?.contactId !== undefined
    const mapping: Mapping = {
      config: options.mapping.config,
      problems: options.mapping.problems,
      map: (row) => {
        const letter = byRow.get(row)
        if (letter === undefined)
          return {
            _tag: "Rejection",
            position: row.position,
            key: undefined,
            field: "row",
            reason: "not a dead letter",
          }
        const { contactId, ...rest } = letter.contact
        const contact = mapsContactId && contactId != null ? { ...rest, contactId } : rest
        contacts.set(letter.key, contact)
        return { _tag: "Mapped", position: letter.position, key: letter.key, contact }
      },
    }
    const batchSize = options.batchSize ?? 100
    const source = Stream.fromChunks(
      ...Array.from({ length: Math.ceil(rows.length / batchSize) }, (_, i) =>
        Chunk.unsafeFromArray(rows.slice(i * batchSize, (i + 1) * batchSize)),
      ),
    )
    // A dead letter whose row the CRM already has as it is (a later run got it accepted, or the
    // source went back to what was accepted) ends `unchanged`: it is settled, so it leaves too.
    const settled: Array<Ledger.AcceptedRow> = []
    const onEvent = (event: SyncEvent) => {
      if (event._tag === "RowsUnchanged")
        for (const row of event.rows) {
          const letter = contacts.get(row.key)
          if (letter !== undefined)
            settled.push({ key: row.key, hash: Ledger.hashContact(letter), contact: letter })
        }
      return options.onEvent === undefined ? Effect.void : options.onEvent(event)
    }
    // The rows are the dead letters' keys, not the source's columns: nothing to check them against.
    const report = yield* Sync.run({
      ...options,
      source,
      mapping,
      mode: "upsert",
      onEvent,
      checkColumns: false,
    })
    if (settled.length > 0)
      yield* Effect.flatMap(Ledger.Ledger, (ledger) =>
        ledger.recordAccepted(target, "dead-letter-retry", settled),
      ).pipe(Effect.mapError(ledgerFailed))
    return report
  })
