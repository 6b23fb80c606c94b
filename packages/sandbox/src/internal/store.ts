/**
 * The sandbox's SQLite storage: contacts, and the queue of accepted batches with their reports
 * and webhook state. A batch is applied in one transaction that also marks it applied, so a
 * restart resumes exactly the batches that were not.
 */
import type { BatchReport, BatchRequest, Contact } from "@brainsync/core"
import { SqlClient, type SqlError } from "@effect/sql"
import { Effect } from "effect"
import { type Catalogue, contactListId, resolveProperty } from "./validate.js"

/** New contacts get ids above 2^32, so that clients meet real int64 values. */
const FIRST_CONTACT_ID = 4_294_967_296
const IN_CHUNK = 500
const WRITE_CHUNK = 250

/**
 * A property value of a stored contact: the property's id, its name in the catalogue (`null` when
 * the catalogue has none), and the value.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredProperty {
  readonly propertyId: string
  readonly propertyName: string | null
  readonly propertyValue: string
}

/**
 * A contact as the sandbox holds it; `contactId` is a string, as in webhook reports.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredContact {
  readonly contactId: string
  readonly listId: string
  readonly email: string | null
  readonly mobileCountryCode: number | null
  readonly mobileNumber: number | null
  readonly mobileOptIn: boolean | null
  readonly emailOptIn: boolean | null
  readonly properties: ReadonlyArray<StoredProperty>
  readonly createdAt: string
  readonly updatedAt: string
}

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

interface ContactRow {
  id: number
  list_id: string
  email: string | null
  email_lower: string | null
  mobile_country_code: number | null
  mobile_number: number | null
  mobile_opt_in: number | null
  email_opt_in: number | null
  properties: string
  created_at: string
  updated_at: string
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

const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

const bool = (value: number | null): boolean | null => (value === null ? null : value !== 0)
const flag = (value: boolean | null | undefined): number | null | undefined =>
  value == null ? value : value ? 1 : 0
const emailKey = (listId: string, email: string) => `${listId}\u0000${email.toLowerCase()}`
const mobileKey = (listId: string, code: number, mobile: number) => `${listId}\u0000${code}\u0000${mobile}`

export const make = (cat: Catalogue, propertyNames: ReadonlyMap<string, string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    yield* sql`PRAGMA synchronous = NORMAL`.pipe(Effect.ignore)
    yield* sql`CREATE TABLE IF NOT EXISTS contacts (
      id INTEGER PRIMARY KEY,
      list_id TEXT NOT NULL,
      email TEXT,
      email_lower TEXT,
      mobile_country_code INTEGER,
      mobile_number INTEGER,
      mobile_opt_in INTEGER,
      email_opt_in INTEGER,
      properties TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`
    yield* sql`CREATE INDEX IF NOT EXISTS contacts_email ON contacts (email_lower)`
    yield* sql`CREATE INDEX IF NOT EXISTS contacts_mobile ON contacts (mobile_number)`
    yield* sql`CREATE INDEX IF NOT EXISTS contacts_list ON contacts (list_id, id)`
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

    const toStored = (row: ContactRow): StoredContact => {
      const properties = JSON.parse(row.properties) as Record<string, string>
      return {
        contactId: String(row.id),
        listId: row.list_id,
        email: row.email,
        mobileCountryCode: row.mobile_country_code,
        mobileNumber: row.mobile_number,
        mobileOptIn: bool(row.mobile_opt_in),
        emailOptIn: bool(row.email_opt_in),
        properties: Object.entries(properties).map(([propertyId, propertyValue]) => ({
          propertyId,
          propertyName: propertyNames.get(propertyId) ?? null,
          propertyValue,
        })),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }
    }

    /** The contactIds of `ids` that no stored contact has. */
    const missingIds = (ids: ReadonlyArray<number>) =>
      Effect.forEach(
        chunks(ids, IN_CHUNK),
        (part) => sql<{ id: number }>`SELECT id FROM contacts WHERE id IN ${sql.in(part)}`,
        {
          concurrency: 1,
        },
      ).pipe(
        Effect.map((parts) => {
          const found = new Set(parts.flat().map((row) => row.id))
          return ids.filter((id) => !found.has(id))
        }),
      )

    const enqueue = (batch: {
      readonly batchId: string
      readonly request: BatchRequest.BatchRequest
      readonly acceptedAt: number
    }) => {
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
      })}`
    }

    const nextQueued = sql<{ batch_id: string; accepted_at: number }>`
      SELECT batch_id, accepted_at FROM batches WHERE state = 'queued' ORDER BY seq LIMIT 1`.pipe(
      Effect.map((rows) => rows[0]),
    )

    const applyContacts = (
      request: BatchRequest.BatchRequest,
      batchId: string,
      now: string,
    ): Effect.Effect<BatchReport.BatchReport, SqlError.SqlError> =>
      Effect.gen(function* () {
        const contacts = request.createUpdateContacts
        const ids = contacts.flatMap((c) => (c.contactId != null ? [c.contactId] : []))
        const emails = contacts.flatMap((c) => (c.email != null ? [c.email.toLowerCase()] : []))
        const byId = new Map<number, ContactRow>()
        const byEmail = new Map<string, ContactRow>()
        const byMobile = new Map<string, ContactRow>()
        const index = (row: ContactRow) => {
          byId.set(row.id, row)
          if (row.email_lower !== null) {
            const key = emailKey(row.list_id, row.email_lower)
            const known = byEmail.get(key)
            if (known === undefined || known.id > row.id) byEmail.set(key, row)
          }
          if (row.mobile_country_code !== null && row.mobile_number !== null) {
            const key = mobileKey(row.list_id, row.mobile_country_code, row.mobile_number)
            const known = byMobile.get(key)
            if (known === undefined || known.id > row.id) byMobile.set(key, row)
          }
        }
        for (const part of chunks(ids, IN_CHUNK)) {
          for (const row of yield* sql<ContactRow>`SELECT * FROM contacts WHERE id IN ${sql.in(part)}`)
            index(row)
        }
        for (const part of chunks(emails, IN_CHUNK)) {
          for (const row of yield* sql<ContactRow>`SELECT * FROM contacts WHERE email_lower IN ${sql.in(part)}`)
            index(row)
        }
        // Mobiles matter only for contacts that neither a contactId nor an email matched.
        const mobiles = contacts.flatMap((c) =>
          c.mobileNumber != null &&
          c.contactId == null &&
          (c.email == null || !byEmail.has(emailKey(contactListId(request, c) ?? "", c.email)))
            ? [c.mobileNumber]
            : [],
        )
        for (const part of chunks(mobiles, IN_CHUNK)) {
          for (const row of yield* sql<ContactRow>`SELECT * FROM contacts WHERE mobile_number IN ${sql.in(part)}`)
            index(row)
        }
        const [max] = yield* sql<{ id: number | null }>`SELECT max(id) AS id FROM contacts`
        let nextId = Math.max(FIRST_CONTACT_ID, (max?.id ?? 0) + 1)

        const writes = new Map<number, ContactRow>()
        const tally = {
          inserted: [] as Array<string>,
          updated: [] as Array<string>,
          skipped: [] as Array<string>,
        }
        const results: Array<BatchReport.ContactResult> = []
        contacts.forEach((contact, i) => {
          const listId = contactListId(request, contact) ?? ""
          let existing: ContactRow | undefined
          if (contact.contactId != null) {
            existing = byId.get(contact.contactId)
            if (existing === undefined) {
              const id = String(contact.contactId)
              tally.skipped.push(id)
              results.push({
                index: i,
                contactId: id,
                outcome: "skipped",
                reason: "no contact has this contactId",
              })
              return
            }
          } else {
            if (contact.email != null) existing = byEmail.get(emailKey(listId, contact.email))
            if (existing === undefined && contact.mobileCountryCode != null && contact.mobileNumber != null) {
              existing = byMobile.get(mobileKey(listId, contact.mobileCountryCode, contact.mobileNumber))
            }
          }
          const row = merge(cat, existing, contact, existing?.id ?? nextId++, listId, now)
          writes.set(row.id, row)
          index(row)
          const id = String(row.id)
          const outcome = existing === undefined ? "inserted" : "updated"
          tally[outcome].push(id)
          results.push({ index: i, contactId: id, outcome })
        })
        const rows = [...writes.values()]
        for (const part of chunks(rows, WRITE_CHUNK)) {
          yield* sql`INSERT INTO contacts ${sql.insert(part.map((row) => ({ ...row })))}
            ON CONFLICT (id) DO UPDATE SET
              email = excluded.email, email_lower = excluded.email_lower,
              mobile_country_code = excluded.mobile_country_code, mobile_number = excluded.mobile_number,
              mobile_opt_in = excluded.mobile_opt_in, email_opt_in = excluded.email_opt_in,
              properties = excluded.properties, updated_at = excluded.updated_at`
        }
        const count = (ids: Array<string>) => ({ count: ids.length, contactIds: ids })
        const report: BatchReport.BatchReport = {
          batchId,
          listId: request.listId ?? null,
          inserted: count(tally.inserted),
          updated: count(tally.updated),
          skipped: count(tally.skipped),
          results,
        }
        return report
      })

    /** Applies a queued batch and marks it applied, in one transaction; `None` if it is not queued (any more). */
    const apply = (batchId: string, appliedAt: number) =>
      Effect.gen(function* () {
        const [row] =
          yield* sql<BatchRow>`SELECT * FROM batches WHERE batch_id = ${batchId} AND state = 'queued'`
        if (row === undefined) return undefined
        const request = JSON.parse(row.request) as BatchRequest.BatchRequest
        const report = yield* applyContacts(request, batchId, new Date(appliedAt).toISOString())
        yield* sql`UPDATE batches SET state = 'applied', applied_at = ${appliedAt}, report = ${JSON.stringify(report)}
          WHERE batch_id = ${batchId}`
        return { report, webHookUrl: row.webhook_url }
      }).pipe(sql.withTransaction)

    const setWebhook = (batchId: string, state: WebhookState, attempts: number, error: string | null) =>
      sql`UPDATE batches SET webhook_state = ${state}, webhook_attempts = ${attempts}, webhook_error = ${error}
        WHERE batch_id = ${batchId}`

    /** Applied batches whose webhook was neither delivered nor given up on (a restart interrupted it). */
    const pendingWebhooks = sql<{ batch_id: string; webhook_url: string; report: string }>`
      SELECT batch_id, webhook_url, report FROM batches WHERE state = 'applied' AND webhook_state = 'pending'
      ORDER BY seq`.pipe(
      Effect.map((rows) =>
        rows.map((row) => ({
          batchId: row.batch_id,
          url: row.webhook_url,
          report: JSON.parse(row.report) as BatchReport.BatchReport,
        })),
      ),
    )

    const batch = (batchId: string) =>
      sql<BatchRow>`SELECT * FROM batches WHERE batch_id = ${batchId}`.pipe(
        Effect.map(([row]): StoredBatch | undefined =>
          row === undefined
            ? undefined
            : {
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
              },
        ),
      )

    /** One page of contacts in id order; `cursor` is the last contactId of the previous page. */
    const contacts = (options: {
      readonly listId?: string | undefined
      readonly cursor?: number
      readonly limit: number
    }) =>
      sql<ContactRow>`SELECT * FROM contacts WHERE id > ${options.cursor ?? 0}
        ${options.listId !== undefined ? sql`AND list_id = ${options.listId.toLowerCase()}` : sql``}
        ORDER BY id LIMIT ${options.limit}`.pipe(Effect.map((rows) => rows.map(toStored)))

    const counts = sql<{
      contacts: number
      queued: number
      applied: number
      delivered: number
      refused: number
      failed: number
      pending: number
    }>`
      SELECT
        (SELECT count(*) FROM contacts) AS contacts,
        (SELECT count(*) FROM batches WHERE state = 'queued') AS queued,
        (SELECT count(*) FROM batches WHERE state = 'applied') AS applied,
        (SELECT count(*) FROM batches WHERE webhook_state = 'delivered') AS delivered,
        (SELECT count(*) FROM batches WHERE webhook_state = 'refused') AS refused,
        (SELECT count(*) FROM batches WHERE webhook_state = 'failed') AS failed,
        (SELECT count(*) FROM batches WHERE webhook_state = 'pending') AS pending`.pipe(
      Effect.map((rows) => rows[0]!),
    )

    const reset = Effect.all([sql`DELETE FROM contacts`, sql`DELETE FROM batches`]).pipe(
      sql.withTransaction,
      Effect.asVoid,
    )

    return {
      missingIds,
      enqueue,
      nextQueued,
      apply,
      setWebhook,
      pendingWebhooks,
      batch,
      contacts,
      counts,
      reset,
    } as const
  })

export type Store = Effect.Effect.Success<ReturnType<typeof make>>

/** The row after applying `contact` over `existing` (or a new row): only present, non-null values change. */
const merge = (
  cat: Catalogue,
  existing: ContactRow | undefined,
  contact: Contact.Contact,
  id: number,
  listId: string,
  now: string,
): ContactRow => {
  const properties: Record<string, string> =
    existing === undefined ? {} : (JSON.parse(existing.properties) as Record<string, string>)
  for (const field of contact.propertyFields ?? []) {
    const propertyId = resolveProperty(cat, field)
    if (propertyId !== undefined && field.propertyValue != null) properties[propertyId] = field.propertyValue
  }
  const email = contact.email ?? existing?.email ?? null
  return {
    id,
    list_id: existing?.list_id ?? listId,
    email,
    email_lower: email?.toLowerCase() ?? null,
    mobile_country_code: contact.mobileCountryCode ?? existing?.mobile_country_code ?? null,
    mobile_number: contact.mobileNumber ?? existing?.mobile_number ?? null,
    mobile_opt_in: flag(contact.mobileOptIn) ?? existing?.mobile_opt_in ?? null,
    email_opt_in: flag(contact.emailOptIn) ?? existing?.email_opt_in ?? null,
    properties: JSON.stringify(properties),
    created_at: existing?.created_at ?? now,
    updated_at: now,
  }
}
