/**
 * How the ledger's values are written in its columns and read back, and how a failed statement
 * reads as a `LedgerError`.
 */
import { Contact, Ledger } from "@brainsync/core"
import type { Migrator, SqlError } from "@effect/sql"
import { Schema } from "effect"

/**
 * Why a statement failed: the driver's reason ("database or disk is full") where `@effect/sql`
 * says only "Failed to execute statement".
 */
export const describeSqlError = (error: SqlError.SqlError | Migrator.MigrationError): string =>
  error.cause instanceof Error && error.cause.message !== "" ? error.cause.message : error.message

/** The `LedgerError` of a statement that failed while doing `what`. */
export const failed = (what: string) => (cause: SqlError.SqlError | Migrator.MigrationError) =>
  new Ledger.LedgerError({ message: `${what}: ${describeSqlError(cause)}`, cause })

/** The `list` column of a target: its listId, or `""` for the account's default list. */
export const listOf = (target: Ledger.Target): string => target.listId ?? ""

/** A BIGINT column as a number (drivers give it back as a number, a string or a bigint); `undefined` for NULL. */
export const toNumber = (value: unknown): number | undefined =>
  value === null || value === undefined ? undefined : Number(value)

// A contact's encoded form is itself (plain JSON values); reads decode it with the schema.
export const encodeContact = (contact: Contact.Contact): string => JSON.stringify(contact)
export const decodeContact = Schema.decodeUnknownEither(Schema.parseJson(Contact.Contact))
