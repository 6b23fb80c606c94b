/**
 * Integer schemas for the contract's `int32` and `int64` fields.
 *
 * JSON numbers are IEEE doubles: an int64 above 2^53 − 1 cannot be held exactly and would be
 * rounded silently by `JSON.parse`. Such values are refused with an error that names the field
 * (every value above `Number.MAX_SAFE_INTEGER` parses to a double that is not a safe integer, so
 * the check also catches values that were rounded before they reached the schema).
 *
 * @since 0.1.0
 * @module
 */
import { Schema } from "effect"

const safeRangeMessage = `must be an integer within ±${Number.MAX_SAFE_INTEGER} (larger int64 values cannot be carried exactly in JSON and are refused rather than rounded)`

/**
 * An int64 value that JavaScript holds exactly.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Int64 = Schema.Number.pipe(
  Schema.filter((n) => Number.isSafeInteger(n) || safeRangeMessage, {
    identifier: "Int64",
    jsonSchema: { type: "integer", format: "int64" },
  }),
)

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

/**
 * A 32-bit signed integer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Int32 = Schema.Number.pipe(
  Schema.filter(
    (n) =>
      (Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX) ||
      `must be an integer between ${INT32_MIN} and ${INT32_MAX}`,
    { identifier: "Int32", jsonSchema: { type: "integer", format: "int32" } },
  ),
)

/**
 * Parses an int64 written as decimal text (a CSV cell, a SQL bigint, a JSON string) without
 * going through a double, so that a value out of the exact range is refused instead of rounded.
 *
 * @since 0.1.0
 * @category utils
 */
export const parseInt64Text = (text: string): number | string => {
  const trimmed = text.trim()
  if (!/^[+-]?\d+$/.test(trimmed)) return "must be a whole number"
  const big = BigInt(trimmed)
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < -BigInt(Number.MAX_SAFE_INTEGER)) return safeRangeMessage
  return Number(big)
}
