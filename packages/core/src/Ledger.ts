/**
 * What a sync remembers between runs, per sync name and list: for every key, the hash of the
 * contact as last sent and the CRM contactId once known; dead letters; run history; a lease so
 * that two runs of one sync never interleave. Every operation is bulk (one call per chunk or
 * batch, never per row). The SQL ledger lives in `@brainsync/adapters-sql`; `layerMemory` is for
 * tests and one-off programs.
 *
 * The commit rule `Sync.run` follows: a row's hash is recorded only when its batch got a 202
 * (`recordAccepted`), its contactId only when the batch's report arrives (`recordContactIds`).
 * A run killed at any moment therefore resends exactly the rows whose batches were never accepted.
 *
 * @since 0.1.0
 * @module
 */
import { Context, Data, Effect, Layer, Option } from "effect"
import type { Scope } from "effect"
import type { Contact } from "./Contact.js"
import * as Hash from "./internal/hash.js"
import type { SyncReport } from "./SyncReport.js"

/**
 * The stable hash of a contact as mapped, that the ledger compares to tell changed rows from unchanged
 * ones.
 *
 * @since 0.1.0
 * @category utils
 */
export const hashContact: (contact: Contact) => string = Hash.hashContact

/**
 * Which ledger rows a run reads and writes: one sync (by name) into one list.
 *
 * @since 0.1.0
 * @category models
 */
export interface Target {
  readonly sync: string
  readonly listId: string | null
}

/**
 * The target of the sync named `sync` into `listId` (a mapping without a list is `null`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const target = (sync: string, listId: string | null | undefined): Target => ({
  sync,
  listId: listId ?? null,
})

/**
 * What the ledger knows about a key.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry {
  /** Hash of the contact as last accepted (see `hashContact`). */
  readonly hash: string
  /** The CRM's contactId, once a report told it. */
  readonly contactId: number | undefined
}

/**
 * A row of an accepted batch. `contact` is as mapped (without a learned contactId), the one `hash` was
 * computed from.
 *
 * @since 0.1.0
 * @category models
 */
export interface AcceptedRow {
  readonly key: string
  readonly hash: string
  readonly contact: Contact
}

/**
 * A contactId a batch's report gave for a key.
 *
 * @since 0.1.0
 * @category models
 */
export interface LearnedId {
  readonly key: string
  readonly contactId: number
}

/**
 * A row that could not be delivered, with what was to be sent and the last error.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeadLetter {
  readonly key: string
  readonly position: string
  readonly contact: Contact
  readonly error: string
}

/**
 * One finished run in the history: when it started and finished (epoch milliseconds), and its report.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunRecord {
  readonly startedAt: number
  readonly finishedAt: number
  readonly report: SyncReport
}

/**
 * The ledger could not be read or written.
 *
 * @since 0.1.0
 * @category errors
 */
export class LedgerError extends Data.TaggedError("LedgerError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * How a ledger failure reads wherever it stops a run: `the ledger failed: <what failed>`.
 *
 * @since 0.1.0
 * @category errors
 */
export const failedMessage = (error: { readonly message: string }): string =>
  `the ledger failed: ${error.message}`

/**
 * Another run of the same sync holds the lease.
 *
 * @since 0.1.0
 * @category errors
 */
export class LeaseHeld extends Data.TaggedError("LeaseHeld")<{
  readonly message: string
}> {}

/**
 * What a ledger does. Every operation concerns one `Target` and is bulk: one call per chunk or
 * batch, never per row.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Holds the target's lease until the scope closes; fails with `LeaseHeld` while another run holds it. */
  readonly lease: (target: Target) => Effect.Effect<void, LeaseHeld | LedgerError, Scope.Scope>
  /** The entries of those `keys` that the ledger knows (absent keys are new). */
  readonly lookup: (
    target: Target,
    keys: ReadonlyArray<string>,
  ) => Effect.Effect<ReadonlyMap<string, Entry>, LedgerError>
  /** The contacts as last accepted for those keys (absent keys were never accepted): what a dry run diffs against. */
  readonly acceptedContacts: (
    target: Target,
    keys: ReadonlyArray<string>,
  ) => Effect.Effect<ReadonlyMap<string, Contact>, LedgerError>
  /** A batch got a 202: record its rows' hashes (and drop their dead letters). */
  readonly recordAccepted: (
    target: Target,
    batchId: string,
    rows: ReadonlyArray<AcceptedRow>,
  ) => Effect.Effect<void, LedgerError>
  /** A batch's report arrived: record the contactIds it gave. */
  readonly recordContactIds: (
    target: Target,
    rows: ReadonlyArray<LearnedId>,
  ) => Effect.Effect<void, LedgerError>
  readonly recordDeadLetters: (
    target: Target,
    rows: ReadonlyArray<DeadLetter>,
  ) => Effect.Effect<void, LedgerError>
  readonly deadLetters: (target: Target) => Effect.Effect<ReadonlyArray<DeadLetter>, LedgerError>
  readonly recordRun: (target: Target, run: RunRecord) => Effect.Effect<void, LedgerError>
  /** The most recent runs first. */
  readonly runs: (target: Target, limit: number) => Effect.Effect<ReadonlyArray<RunRecord>, LedgerError>
}

/**
 * The ledger service. `SqlLedger.layerSqlite` from `@brainsync/adapters-sql` provides a durable
 * one; `layerMemory` one that lives as long as the process.
 *
 * @since 0.1.0
 * @category services
 */
export class Ledger extends Context.Tag("@brainsync/core/Ledger")<Ledger, Service>() {}

/**
 * The ledger if one is provided, so that `Sync.run` works with and without one.
 *
 * @since 0.1.0
 * @category services
 */
export const optional: Effect.Effect<Option.Option<Service>> = Effect.serviceOption(Ledger)

const targetKey = (target: Target) => `${target.sync}\u0000${target.listId ?? ""}`

/** The values of those `keys` that `known` holds. */
const pick = <V>(known: ReadonlyMap<string, V>, keys: ReadonlyArray<string>): ReadonlyMap<string, V> => {
  const found = new Map<string, V>()
  for (const key of keys) {
    const value = known.get(key)
    if (value !== undefined) found.set(key, value)
  }
  return found
}

/**
 * An in-memory ledger: for tests and programs that run several syncs in one process.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<Service> = Effect.sync(() => {
  const entries = new Map<string, Map<string, Entry>>()
  const contacts = new Map<string, Map<string, Contact>>()
  const dead = new Map<string, Map<string, DeadLetter>>()
  const history = new Map<string, Array<RunRecord>>()
  const leases = new Set<string>()
  const table = <V>(tables: Map<string, Map<string, V>>, target: Target) => {
    const name = targetKey(target)
    let found = tables.get(name)
    if (found === undefined) tables.set(name, (found = new Map()))
    return found
  }
  return {
    lease: (target) =>
      Effect.acquireRelease(
        Effect.suspend(() => {
          const name = targetKey(target)
          if (leases.has(name))
            return Effect.fail(
              new LeaseHeld({
                message: `another run of sync "${target.sync}" is in progress; wait for it to finish`,
              }),
            )
          leases.add(name)
          return Effect.void
        }),
        () => Effect.sync(() => leases.delete(targetKey(target))),
      ),
    lookup: (target, keys) => Effect.sync(() => pick(table(entries, target), keys)),
    acceptedContacts: (target, keys) => Effect.sync(() => pick(table(contacts, target), keys)),
    recordAccepted: (target, _batchId, rows) =>
      Effect.sync(() => {
        const known = table(entries, target)
        const accepted = table(contacts, target)
        const letters = table(dead, target)
        for (const row of rows) {
          known.set(row.key, { hash: row.hash, contactId: known.get(row.key)?.contactId })
          accepted.set(row.key, row.contact)
          letters.delete(row.key)
        }
      }),
    recordContactIds: (target, rows) =>
      Effect.sync(() => {
        const known = table(entries, target)
        for (const row of rows) {
          const entry = known.get(row.key)
          if (entry !== undefined) known.set(row.key, { ...entry, contactId: row.contactId })
        }
      }),
    recordDeadLetters: (target, rows) =>
      Effect.sync(() => {
        const letters = table(dead, target)
        for (const row of rows) letters.set(row.key, row)
      }),
    deadLetters: (target) => Effect.sync(() => [...table(dead, target).values()]),
    recordRun: (target, run) =>
      Effect.sync(() => {
        const name = targetKey(target)
        history.set(name, [run, ...(history.get(name) ?? [])])
      }),
    runs: (target, limit) => Effect.sync(() => (history.get(targetKey(target)) ?? []).slice(0, limit)),
  }
})

/**
 * The in-memory ledger as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<Ledger> = Layer.effect(Ledger, makeMemory)
