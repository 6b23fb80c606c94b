/**
 * `@effect/sql` commits and rolls back a transaction with `Effect.orDie`: when the disk is full
 * (SQLite's "database or disk is full") or the file turned read-only, the COMMIT or the ROLLBACK
 * fails, and the failure would end the process as a defect with a stack trace. The ledger's
 * operations turn such a defect back into the `LedgerError` their type promises.
 */
import { Ledger } from "@brainsync/core"
import { SqlError } from "@effect/sql"
import { Effect, Option } from "effect"
import { describeSqlError } from "./columns.js"

const isSqlError = (defect: unknown): defect is SqlError.SqlError =>
  typeof defect === "object" && defect !== null && SqlError.SqlErrorTypeId in defect

/** What each operation was doing, for the message (an operation missing here is named as it is). */
const doing: Partial<Record<keyof Ledger.Service, string>> = {
  lease: "cannot take the lease",
  lookup: "cannot read the ledger",
  acceptedContacts: "cannot read the ledger",
  recordAccepted: "cannot record an accepted batch",
  recordContactIds: "cannot record contactIds",
  recordDeadLetters: "cannot record dead letters",
  deadLetters: "cannot read the dead letters",
  recordRun: "cannot record the run",
  runs: "cannot read the run history",
}

/** `effect` with a `SqlError` defect failing as a `LedgerError` (`what`: the operation, for the message). */
export const typed = <A, E, R>(
  what: string,
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<A, E | Ledger.LedgerError, R> =>
  Effect.catchSomeDefect(effect, (defect) =>
    isSqlError(defect)
      ? Option.some(
          Effect.fail(
            new Ledger.LedgerError({ message: `${what}: ${describeSqlError(defect)}`, cause: defect }),
          ),
        )
      : Option.none(),
  )

/** Every operation of `service`, with `typed` failures. */
export const service = (service: Ledger.Service): Ledger.Service => {
  type Operation = (...args: ReadonlyArray<unknown>) => Effect.Effect<unknown, unknown, unknown>
  const wrapped: Record<string, Operation> = {}
  for (const [name, operation] of Object.entries(service) as Array<[keyof Ledger.Service, Operation]>)
    wrapped[name] = (...args) => typed(doing[name] ?? `the ledger's ${name} failed`, operation(...args))
  // The same operations with the same signatures: each one's error type gains only `LedgerError`, which each has already.
  return wrapped as unknown as Ledger.Service
}
