/**
 * A dry run: everything `Sync.run` does up to the sink (mapping, the ledger's diff, dedupe,
 * batching) without sending a request or writing to the ledger. It predicts the next real run:
 * rows the ledger does not know would be inserted, rows it knows would be updated, and for a
 * sample of updates it shows what changes, field by field, against the contact as last accepted.
 *
 * ```ts
 * const preview = yield* DryRun.run({ name: "crm-contacts", source, mapping })
 * //    ^? Preview — needs no ContactSink; uses the Ledger when one is provided
 * ```
 *
 * @since 0.1.0
 * @module
 */
import { Context, Effect, Option } from "effect"
import * as BatchResults from "./BatchResults.js"
import type { Contact, PropertyField } from "./Contact.js"
import * as ContactSink from "./ContactSink.js"
import * as Ledger from "./Ledger.js"
import * as Sync from "./Sync.js"
import { SyncError } from "./SyncError.js"
import type { SettledRow, SyncEvent } from "./SyncEvent.js"
import type { SyncReport } from "./SyncReport.js"

/**
 * One field that would change: its value as last accepted (`before`) and as it would be sent
 * (`after`); `undefined` where the field is absent.
 *
 * @since 0.1.0
 * @category models
 */
export interface FieldChange {
  /** A contact field (`email`, `mobileNumber`, ...) or `property:<name or id>`. */
  readonly field: string
  readonly before: unknown
  readonly after: unknown
}

/**
 * A row that would update a contact, with what would change.
 *
 * @since 0.1.0
 * @category models
 */
export interface Difference {
  readonly key: string
  readonly position: string
  readonly changes: ReadonlyArray<FieldChange>
}

/**
 * What a dry run predicts for the next real run.
 *
 * @since 0.1.0
 * @category models
 */
export interface Preview {
  /** The run as `Sync.run` would count it, with the rows that would be sent under `accepted`. */
  readonly report: SyncReport
  /** Rows the ledger does not know (every row to send, without a ledger). */
  readonly insert: number
  /** Rows the ledger knows whose contact changed. */
  readonly update: number
  /** The first `sampleSize` updates, field by field. */
  readonly differences: ReadonlyArray<Difference>
}

/**
 * The options of `Sync.run`, plus how many updates to show field by field.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<E, R> extends Sync.Options<E, R> {
  /** Updates shown field by field; default 10. */
  readonly sampleSize?: number | undefined
}

/**
 * Runs the sync without sending; fails like `Sync.run` on bad options or a source failure. It is
 * never paced: `requestsPerSecond` and `burst` are checked like the other options, and not applied.
 *
 * @since 0.1.0
 * @category running
 */
export const run = <E, R>(options: Options<E, R>): Effect.Effect<Preview, SyncError, R> =>
  Effect.gen(function* () {
    const ledger = Option.getOrUndefined(yield* Ledger.optional)
    const target = Ledger.target(options.name, options.mapping.config.listId)
    const sampleSize = options.sampleSize ?? 10
    const sent = new Map<string, ReadonlyArray<Contact>>()
    const batchIds = new Map<number, string>()
    const differences: Array<Difference> = []
    let insert = 0
    let update = 0
    let next = 0
    let ledgerFailure: Ledger.LedgerError | undefined

    const sink: ContactSink.Service = {
      // Nothing is sent, so nothing is paced (a dry run only predicts): the sink's own limiter lets
      // every request through, and the sync then adds none from `requestsPerSecond`.
      limiter: { run: (request) => request, pause: () => Effect.void },
      upsert: (request) =>
        Effect.sync(() => {
          const batchId = `dry-run-${++next}`
          sent.set(batchId, request.createUpdateContacts)
          return ContactSink.acceptedBody(batchId, request.createUpdateContacts.length)
        }),
    }

    const classify = (batch: number, rows: ReadonlyArray<SettledRow>) =>
      Effect.gen(function* () {
        const batchId = batchIds.get(batch) ?? ""
        const contacts = sent.get(batchId) ?? []
        batchIds.delete(batch)
        sent.delete(batchId)
        if (ledger === undefined) return void (insert += rows.length)
        const keys = rows.map((row) => row.key)
        const known = yield* ledger.lookup(target, keys)
        const sampled: Array<number> = []
        rows.forEach((row, i) => {
          if (!known.has(row.key)) return void insert++
          update++
          if (differences.length + sampled.length < sampleSize) sampled.push(i)
        })
        if (sampled.length === 0) return
        const before = yield* ledger.acceptedContacts(
          target,
          sampled.map((i) => keys[i]!),
        )
        for (const i of sampled) {
          const row = rows[i]!
          differences.push({
            key: row.key,
            position: row.position,
            changes: diff(before.get(row.key) ?? {}, contacts[i] ?? {}),
          })
        }
      }).pipe(Effect.catchAll((error) => Effect.sync(() => (ledgerFailure ??= error))))

    const onEvent = (event: SyncEvent): Effect.Effect<void> =>
      Effect.gen(function* () {
        if (event._tag === "BatchAccepted") batchIds.set(event.batch, event.batchId)
        if (event._tag === "RowsSettled") yield* classify(event.batch, event.rows)
        if (options.onEvent !== undefined) yield* options.onEvent(event)
      })

    const readOnly: Ledger.Service | undefined = ledger && {
      ...ledger,
      recordAccepted: () => Effect.void,
      recordContactIds: () => Effect.void,
      recordDeadLetters: () => Effect.void,
      recordRun: () => Effect.void,
    }
    const sync = Sync.run({ ...options, onEvent }).pipe(
      Effect.provideService(ContactSink.ContactSink, sink),
      // No results service: a dry run's batches are never applied, so no report would come.
      Effect.mapInputContext(
        (context: Context.Context<R>) =>
          Context.omit(BatchResults.BatchResults)(context) as unknown as Context.Context<R>,
      ),
    )
    const report = yield* readOnly === undefined ? sync : Effect.provideService(sync, Ledger.Ledger, readOnly)
    if (ledgerFailure !== undefined)
      return yield* new SyncError({
        reason: "LedgerFailed",
        message: `sync "${options.name}" (dry run): ${Ledger.failedMessage(ledgerFailure)}`,
        report,
        cause: ledgerFailure,
      })
    return { report, insert, update, differences }
  })

const CONTACT_FIELDS = [
  "listId",
  "email",
  "emailOptIn",
  "mobileCountryCode",
  "mobileNumber",
  "mobileOptIn",
] as const satisfies ReadonlyArray<keyof Contact>

const propertiesOf = (contact: Contact): Map<string, PropertyField["propertyValue"]> =>
  new Map(
    (contact.propertyFields ?? []).map((field) => [
      `property:${field.propertyName ?? field.propertyId}`,
      field.propertyValue,
    ]),
  )

/**
 * What would change from `before` (as last accepted) to `after` (as it would be sent).
 *
 * @since 0.1.0
 * @category utils
 */
export const diff = (before: Contact, after: Contact): ReadonlyArray<FieldChange> => {
  const changes: Array<FieldChange> = []
  for (const field of CONTACT_FIELDS) {
    if (before[field] !== after[field]) changes.push({ field, before: before[field], after: after[field] })
  }
  const beforeProperties = propertiesOf(before)
  const afterProperties = propertiesOf(after)
  for (const [field, value] of afterProperties) {
    if (beforeProperties.get(field) !== value)
      changes.push({ field, before: beforeProperties.get(field), after: value })
  }
  for (const [field, value] of beforeProperties) {
    if (!afterProperties.has(field)) changes.push({ field, before: value, after: undefined })
  }
  return changes
}
