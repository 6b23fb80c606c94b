/**
 * The sandbox's queue of accepted batches (SQLite table `batches`): each batch's request until it
 * is applied, then its report and the delivery of that report to its `webHookUrl`.
 */
import type { BatchReport, BatchRequest } from "@brainsync/core"
import { SqlClient, type SqlError } from "@effect/sql"
import { Effect } from "effect"

/**
 * Where the delivery of a batch's report stands: `none` without a `webHookUrl`, `pending` while
 * attempts go on, then `delivered`, `failed` (attempts exhausted) or `refused` (not allowed by
 * `webhookAllow`).
 *
 * @since 0.1.0
 * @category models
 */
export type WebhookState = "none" | "pending" | "delivered" | "failed" | "refused"

/**
 * An accepted batch as the sandbox holds it: when it was accepted and applied, its report, and
 * the delivery of that report.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredBatch {
  readonly batchId: string
  readonly state: "queued" | "applied"
  readonly contacts: number
  readonly acceptedAt: string
  readonly appliedAt: string | null
  readonly report: BatchReport.BatchReport | null
  readonly webhook: {
    readonly url: string | null
    readonly state: WebhookState
    readonly attempts: number
    readonly lastError: string | null
  }
}

/** A batch just accepted, to be queued. */
export interface NewBatch {
  readonly batchId: string
  readonly request: BatchRequest.BatchRequest
  readonly acceptedAt: number
}

/** A queued batch as the worker takes it: its request and where its report goes (`null`: nowhere). */
export interface QueuedBatch {
  readonly request: BatchRequest.BatchRequest
  readonly webHookUrl: string | null
}

/** An applied batch whose report is still to be delivered. */
export interface PendingWebhook {
  readonly batchId: string
  readonly url: string
  readonly report: BatchReport.BatchReport
}

/** Batches by state, and by the state of their webhook. */
export interface BatchCounts {
  readonly queued: number
  readonly applied: number
  readonly delivered: number
  readonly refused: number
  readonly failed: number
  readonly pending: number
}

export interface BatchStore {
  readonly enqueue: (batch: NewBatch) => Effect.Effect<void, SqlError.SqlError>
  /** The oldest queued batch, if any. */
  readonly nextQueued: Effect.Effect<
    { readonly batchId: string; readonly acceptedAt: number } | undefined,
    SqlError.SqlError
  >
  /** The batch `batchId` if it is still queued. */
  readonly queued: (batchId: string) => Effect.Effect<QueuedBatch | undefined, SqlError.SqlError>
  readonly markApplied: (
    batchId: string,
    appliedAt: number,
    report: BatchReport.BatchReport,
  ) => Effect.Effect<void, SqlError.SqlError>
  readonly setWebhook: (
    batchId: string,
    state: WebhookState,
    attempts: number,
    error: string | null,
  ) => Effect.Effect<void, SqlError.SqlError>
  /** Applied batches whose webhook was neither delivered nor given up on (a restart interrupted it). */
  readonly pendingWebhooks: Effect.Effect<ReadonlyArray<PendingWebhook>, SqlError.SqlError>
  readonly batch: (batchId: string) => Effect.Effect<StoredBatch | undefined, SqlError.SqlError>
  readonly counts: Effect.Effect<BatchCounts, SqlError.SqlError>
  /** Deletes every batch. */
  readonly reset: Effect.Effect<void, SqlError.SqlError>
}

interface BatchRow {
  seq: number
  batch_id: string
  state: "queued" | "applied"
  request: string
  contacts: number
  accepted_at: number
  applied_at: number | null
  report: string | null
  webhook_url: string | null
  webhook_state: WebhookState
  webhook_attempts: number
  webhook_error: string | null
}

const toStored = (row: BatchRow): StoredBatch => ({
  batchId: row.batch_id,
  state: row.state,
  contacts: row.contacts,
  acceptedAt: new Date(row.accepted_at).toISOString(),
  appliedAt: row.applied_at === null ? null : new Date(row.applied_at).toISOString(),
  report: row.report === null ? null : (JSON.parse(row.report) as BatchReport.BatchReport),
  webhook: {
    url: row.webhook_url,
    state: row.webhook_state,
    attempts: row.webhook_attempts,
    lastError: row.webhook_error,
  },
})

/** Creates the table if missing; the store over the `SqlClient` in the context. */
export const make: Effect.Effect<BatchStore, SqlError.SqlError, SqlClient.SqlClient> = Effect.gen(
  function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE IF NOT EXISTS batches (
      seq INTEGER PRIMARY KEY,
      batch_id TEXT NOT NULL UNIQUE,
      state TEXT NOT NULL,
      request TEXT NOT NULL,
      contacts INTEGER NOT NULL,
      accepted_at INTEGER NOT NULL,
      applied_at INTEGER,
      report TEXT,
      webhook_url TEXT,
      webhook_state TEXT NOT NULL,
      webhook_attempts INTEGER NOT NULL DEFAULT 0,
      webhook_error TEXT
    )`
    yield* sql`CREATE INDEX IF NOT EXISTS batches_state ON batches (state, seq)`

    return {
      enqueue: (batch) => {
        // An empty webHookUrl means no webhook, as null does.
        const webhookUrl = batch.request.webHookUrl?.trim() ? batch.request.webHookUrl.trim() : null
        return sql`INSERT INTO batches ${sql.insert({
          batch_id: batch.batchId,
          state: "queued",
          request: JSON.stringify(batch.request),
          contacts: batch.request.createUpdateContacts.length,
          accepted_at: batch.acceptedAt,
          webhook_url: webhookUrl,
          webhook_state: webhookUrl !== null ? "pending" : "none",
        })}`.pipe(Effect.asVoid)
      },

      nextQueued: sql<{ batch_id: string; accepted_at: number }>`
        SELECT batch_id, accepted_at FROM batches WHERE state = 'queued' ORDER BY seq LIMIT 1`.pipe(
        Effect.map(([row]) =>
          row === undefined ? undefined : { batchId: row.batch_id, acceptedAt: row.accepted_at },
        ),
      ),

      queued: (batchId) =>
        sql<BatchRow>`SELECT * FROM batches WHERE batch_id = ${batchId} AND state = 'queued'`.pipe(
          Effect.map(([row]) =>
            row === undefined
              ? undefined
              : {
                  request: JSON.parse(row.request) as BatchRequest.BatchRequest,
                  webHookUrl: row.webhook_url,
                },
          ),
        ),

      markApplied: (batchId, appliedAt, report) =>
        sql`UPDATE batches SET state = 'applied', applied_at = ${appliedAt}, report = ${JSON.stringify(report)}
          WHERE batch_id = ${batchId}`.pipe(Effect.asVoid),

      setWebhook: (batchId, state, attempts, error) =>
        sql`UPDATE batches SET webhook_state = ${state}, webhook_attempts = ${attempts}, webhook_error = ${error}
          WHERE batch_id = ${batchId}`.pipe(Effect.asVoid),

      pendingWebhooks: sql<{ batch_id: string; webhook_url: string; report: string }>`
        SELECT batch_id, webhook_url, report FROM batches WHERE state = 'applied' AND webhook_state = 'pending'
        ORDER BY seq`.pipe(
        Effect.map((rows) =>
          rows.map((row) => ({
            batchId: row.batch_id,
            url: row.webhook_url,
            report: JSON.parse(row.report) as BatchReport.BatchReport,
          })),
        ),
      ),

      batch: (batchId) =>
        sql<BatchRow>`SELECT * FROM batches WHERE batch_id = ${batchId}`.pipe(
          Effect.map(([row]) => (row === undefined ? undefined : toStored(row))),
        ),

      counts: sql<BatchCounts>`
        SELECT
          (SELECT count(*) FROM batches WHERE state = 'queued') AS queued,
          (SELECT count(*) FROM batches WHERE state = 'applied') AS applied,
          (SELECT count(*) FROM batches WHERE webhook_state = 'delivered') AS delivered,
          (SELECT count(*) FROM batches WHERE webhook_state = 'refused') AS refused,
          (SELECT count(*) FROM batches WHERE webhook_state = 'failed') AS failed,
          (SELECT count(*) FROM batches WHERE webhook_state = 'pending') AS pending`.pipe(
        Effect.map((rows) => rows[0]!),
      ),

      reset: sql`DELETE FROM batches`.pipe(Effect.asVoid),
    }
  },
)
