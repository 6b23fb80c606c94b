/** The ledger's column values alone: a target's list, contacts as JSON, numbers from drivers, failures. */
import { Ledger } from "@brainsync/core"
import { describe, expect, it } from "@effect/vitest"
import { SqlError } from "@effect/sql"
import { Either } from "effect"
import { decodeContact, encodeContact, failed, listOf, toNumber } from "../src/internal/columns.js"

describe("columns", () => {
  it("a target's list is its listId, or empty for the default list", () => {
    expect(listOf({ sync: "crm", listId: "L1" })).toBe("L1")
    expect(listOf({ sync: "crm", listId: null })).toBe("")
  })

  it("a BIGINT as a number, whatever the driver gave back; NULL as undefined", () => {
    expect(toNumber(7)).toBe(7)
    expect(toNumber("9007199254740991")).toBe(9_007_199_254_740_991)
    expect(toNumber(42n)).toBe(42)
    expect(toNumber(null)).toBeUndefined()
    expect(toNumber(undefined)).toBeUndefined()
  })

  it("a contact reads back as it was written; text that is not a contact does not decode", () => {
    const contact = {
      email: "a@example.com",
      mobileCountryCode: 44,
      mobileNumber: 7700900123,
      propertyFields: [{ propertyName: "First Name", propertyValue: "Ann" }],
    }
    expect(decodeContact(encodeContact(contact))).toEqual(Either.right(contact))
    expect(Either.isLeft(decodeContact("{"))).toBe(true)
    expect(Either.isLeft(decodeContact(JSON.stringify({ email: 5 })))).toBe(true)
  })

  it("a failed statement reads as a LedgerError saying what failed, with its cause", () => {
    const cause = new SqlError.SqlError({ message: "disk I/O error" })
    const error = failed("cannot read the ledger")(cause)
    expect(error).toBeInstanceOf(Ledger.LedgerError)
    expect(error.message).toBe("cannot read the ledger: disk I/O error")
    expect(error.cause).toBe(cause)
  })
})
