/**
 * The sandbox's SQLite storage as the server, the worker and the webhook delivery see it: the
 * contacts and their matching (`contactStore`), the queue of accepted batches with their reports
 * and webhook state (`batchStore`). A batch is applied in one transaction that also marks it
 * applied, so a restart resumes exactly the batches that were not.
 */
import type { BatchReport } from "@brainsync/core"
import { SqlClient, type SqlError } from "@effect/sql"
import { Effect } from "effect"
import * as BatchStore from "./batchStore.js"
import * as ContactStore from "./contactStore.js"
import type { Catalogue } from "./validate.js"

export type { StoredBatch, WebhookState } from "./batchStore.js"
export type { StoredContact, StoredProperty } from "./contactStore.js"

/** What the store holds: contacts, batches by state, and batches by the state of their webhook. */
export interface Counts extends BatchStore.BatchCounts {
  readonly contacts: number
}

export interface Store {
  /** For each contact of a request, the stored contact it reaches now, and by which key. */
  readonly matchStored: ContactStore.ContactStore["matchStored"]
  readonly enqueue: BatchStore.BatchStore["enqueue"]
  /** The oldest queued batch, if any. */
  readonly nextQueued: BatchStore.BatchStore["nextQueued"]
  /** Applies a queued batch and marks it applied, in one transaction; `undefined` if it is not queued (any more). */
  readonly apply: (
    batchId: string,
    appliedAt: number,
  ) => Effect.Effect<
    { readonly report: BatchReport.BatchReport; readonly webHookUrl: string | null } | undefined,
    SqlError.SqlError
  >
  readonly setWebhook: BatchStore.BatchStore["setWebhook"]
  /** Applied batches whose webhook was neither delivered nor given up on (a restart interrupted it). */
  readonly pendingWebhooks: BatchStore.BatchStore["pendingWebhooks"]
  readonly batch: BatchStore.BatchStore["batch"]
  /** One page of contacts in contactId order. */
  readonly contacts: ContactStore.ContactStore["page"]
  readonly counts: Effect.Effect<Counts, SqlError.SqlError>
  /** Deletes every contact and batch. */
  readonly reset: Effect.Effect<void, SqlError.SqlError>
}

/** Prepares the database in the context (its tables are created if missing) and returns the store over it. */
export const make = (cat: Catalogue): Effect.Effect<Store, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`PRAGMA synchronous = NORMAL`.pipe(Effect.ignore)
    const contacts = yield* ContactStore.make(cat)
    const batches = yield* BatchStore.make

    const apply: Store["apply"] = (batchId, appliedAt) =>
      Effect.gen(function* () {
        const queued = yield* batches.queued(batchId)
        if (queued === undefined) return undefined
        const report = yield* contacts.apply(queued.request, batchId, new Date(appliedAt).toISOString())
        yield* batches.markApplied(batchId, appliedAt, report)
        return { report, webHookUrl: queued.webHookUrl }
      }).pipe(sql.withTransaction)

    return {
      matchStored: contacts.matchStored,
      enqueue: batches.enqueue,
      nextQueued: batches.nextQueued,
      apply,
      setWebhook: batches.setWebhook,
      pendingWebhooks: batches.pendingWebhooks,
      batch: batches.batch,
      contacts: contacts.page,
      // In one transaction, so that the counts of both tables are one snapshot.
      counts: Effect.zipWith(contacts.count, batches.counts, (count, byState) => ({
        contacts: count,
        ...byState,
      })).pipe(sql.withTransaction),
      reset: Effect.all([contacts.reset, batches.reset]).pipe(sql.withTransaction, Effect.asVoid),
    }
  })
