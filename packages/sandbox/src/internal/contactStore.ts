/**
 * The sandbox's contacts (SQLite table `contacts`), written by the CRM's matching rule
 * (`contactIndex`): a contact updates the contact it reaches, else it is inserted, or skipped
 * when its `contactId` reaches none.
 */
import type { BatchReport, BatchRequest, Contact } from "@brainsync/core"
import { SqlClient, type SqlError } from "@effect/sql"
import { Array as Arr, Effect } from "effect"
import { type ContactRow, ContactIndex, match, mobilesToMatch, type StoredMatch } from "./contactIndex.js"
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

/** One page of contacts in contactId order: after `cursor` (the last contactId of the previous page), of one list or all. */
export interface Page {
  readonly listId?: string | undefined
  readonly cursor?: number
  readonly limit: number
}

export interface ContactStore {
  /**
   * For each contact of the request, the stored contact it reaches now, by the matching rule
   * (`undefined`: none; it would be inserted, or skipped for a contactId no contact has).
   */
  readonly matchStored: (
    request: BatchRequest.BatchRequest,
  ) => Effect.Effect<ReadonlyArray<StoredMatch | undefined>, SqlError.SqlError>
  /** Matches and writes a batch's contacts; its report names each contact's outcome. */
  readonly apply: (
    request: BatchRequest.BatchRequest,
    batchId: string,
    now: string,
  ) => Effect.Effect<BatchReport.BatchReport, SqlError.SqlError>
  readonly page: (page: Page) => Effect.Effect<ReadonlyArray<StoredContact>, SqlError.SqlError>
  readonly count: Effect.Effect<number, SqlError.SqlError>
  /** Deletes every contact. */
  readonly reset: Effect.Effect<void, SqlError.SqlError>
}

const bool = (value: number | null): boolean | null => (value === null ? null : value !== 0)
const flag = (value: boolean | null | undefined): number | null | undefined =>
  value == null ? value : value ? 1 : 0

/**
 * Applies the request's contacts, in order, over the stored ones in `index` (which learns each
 * row written, so that a later contact of the batch sees it): the rows to write and the report.
 */
const resolve = (
  cat: Catalogue,
  request: BatchRequest.BatchRequest,
  index: ContactIndex,
  batchId: string,
  firstNewId: number,
  now: string,
): { readonly writes: ReadonlyArray<ContactRow>; readonly report: BatchReport.BatchReport } => {
  let nextId = firstNewId
  const writes = new Map<number, ContactRow>()
  const tally = { inserted: [] as Array<string>, updated: [] as Array<string>, skipped: [] as Array<string> }
  const results: Array<BatchReport.ContactResult> = []
  request.createUpdateContacts.forEach((contact, i) => {
    const listId = contactListId(request, contact) ?? ""
    const existing = match(index, contact, listId)?.row
    if (contact.contactId != null && existing === undefined) {
      const id = String(contact.contactId)
      tally.skipped.push(id)
      results.push({ index: i, contactId: id, outcome: "skipped", reason: "no contact has this contactId" })
      return
    }
    const row = merge(cat, existing, contact, existing?.id ?? nextId++, listId, now)
    writes.set(row.id, row)
    index.add(row)
    const id = String(row.id)
    const outcome = existing === undefined ? "inserted" : "updated"
    tally[outcome].push(id)
    results.push({ index: i, contactId: id, outcome })
  })
  const count = (ids: Array<string>) => ({ count: ids.length, contactIds: ids })
  return {
    writes: [...writes.values()],
    report: {
      batchId,
      listId: request.listId ?? null,
      inserted: count(tally.inserted),
      updated: count(tally.updated),
      skipped: count(tally.skipped),
      results,
    },
  }
}

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

const toStored =
  (propertyNames: ReadonlyMap<string, string>) =>
  (row: ContactRow): StoredContact => {
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

/** Creates the table if missing; the store over the `SqlClient` in the context, for the catalogue `cat`. */
export const make = (cat: Catalogue): Effect.Effect<ContactStore, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
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

    const stored = toStored(cat.propertiesById)

    /** Adds to `index` the rows `select` finds, a chunk of `values` at a time. */
    const indexRows = <A>(
      index: ContactIndex,
      values: ReadonlyArray<A>,
      select: (part: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<ContactRow>, SqlError.SqlError>,
    ) =>
      Effect.forEach(
        Arr.chunksOf(values, IN_CHUNK),
        (part) =>
          Effect.map(select(part), (rows) => {
            for (const row of rows) index.add(row)
          }),
        { discard: true },
      )

    const write = (rows: ReadonlyArray<ContactRow>) =>
      Effect.forEach(
        Arr.chunksOf(rows, WRITE_CHUNK),
        (part) =>
          sql`INSERT INTO contacts ${sql.insert(part.map((row) => ({ ...row })))}
            ON CONFLICT (id) DO UPDATE SET
              email = excluded.email, email_lower = excluded.email_lower,
              mobile_country_code = excluded.mobile_country_code, mobile_number = excluded.mobile_number,
              mobile_opt_in = excluded.mobile_opt_in, email_opt_in = excluded.email_opt_in,
              properties = excluded.properties, updated_at = excluded.updated_at`,
        { discard: true },
      )

    /**
     * The stored contacts that the request's contacts may reach, by contactId, email, or mobile
     * (those of `mobiles`, and of the contacts that neither a contactId nor an email reaches).
     */
    const load = (request: BatchRequest.BatchRequest, mobiles: ReadonlyArray<number> = []) =>
      Effect.gen(function* () {
        const contacts = request.createUpdateContacts
        const index = new ContactIndex()
        const ids = contacts.flatMap((c) => (c.contactId != null ? [c.contactId] : []))
        const emails = contacts.flatMap((c) => (c.email != null ? [c.email.toLowerCase()] : []))
        yield* indexRows(
          index,
          ids,
          (part) => sql<ContactRow>`SELECT * FROM contacts WHERE id IN ${sql.in(part)}`,
        )
        yield* indexRows(
          index,
          emails,
          (part) => sql<ContactRow>`SELECT * FROM contacts WHERE email_lower IN ${sql.in(part)}`,
        )
        const toRead = [...new Set([...mobilesToMatch(request, index), ...mobiles])]
        yield* indexRows(
          index,
          toRead,
          (part) => sql<ContactRow>`SELECT * FROM contacts WHERE mobile_number IN ${sql.in(part)}`,
        )
        for (const mobile of toRead) index.loadedMobiles.add(mobile)
        return index
      })

    const apply: ContactStore["apply"] = (request, batchId, now) =>
      Effect.gen(function* () {
        const [max] = yield* sql<{ id: number | null }>`SELECT max(id) AS id FROM contacts`
        const firstNewId = Math.max(FIRST_CONTACT_ID, (max?.id ?? 0) + 1)
        // Mobiles are read only for contacts no email reaches; when an earlier contact of the batch
        // takes an email away, a later one falls back on a mobile that was not read: read, redo.
        let mobiles: ReadonlyArray<number> = []
        for (;;) {
          const index = yield* load(request, mobiles)
          const { report, writes } = resolve(cat, request, index, batchId, firstNewId, now)
          if (index.unreadMobiles.size === 0) {
            yield* write(writes)
            return report
          }
          mobiles = [...mobiles, ...index.unreadMobiles]
        }
      })

    return {
      matchStored: (request) =>
        Effect.map(load(request), (index) =>
          request.createUpdateContacts.map((contact) => {
            const found = match(index, contact, contactListId(request, contact) ?? "")
            return found && { contactId: found.row.id, by: found.by }
          }),
        ),
      apply,
      page: (page) =>
        sql<ContactRow>`SELECT * FROM contacts WHERE id > ${page.cursor ?? 0}
          ${page.listId !== undefined ? sql`AND list_id = ${page.listId.toLowerCase()}` : sql``}
          ORDER BY id LIMIT ${page.limit}`.pipe(Effect.map((rows) => rows.map(stored))),
      count: sql<{ contacts: number }>`SELECT count(*) AS contacts FROM contacts`.pipe(
        Effect.map((rows) => rows[0]!.contacts),
      ),
      reset: sql`DELETE FROM contacts`.pipe(Effect.asVoid),
    }
  })
