/**
 * Reading a mapped column from a row, and checking that the columns a mapping names exist. A
 * column is a field name; a dotted name (`address.city`) that is not itself a field reaches into
 * nested objects, as JSON sources have them.
 */
import { distance } from "fastest-levenshtein"
import type { SourceRow } from "../SourceRow.js"

type Cells = SourceRow["fields"]

const walk = (cells: Cells, path: ReadonlyArray<string>): unknown => {
  let value: unknown = cells
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

/** The reader of one column: a plain property read unless the name is dotted. */
export const reader = (column: string): ((cells: Cells) => unknown) => {
  if (!column.includes(".")) return (cells) => cells[column]
  const path = column.split(".")
  return (cells) => (column in cells ? cells[column] : walk(cells, path))
}

const has = (row: SourceRow, column: string): boolean => {
  if (column in row.fields) return true
  if (!column.includes(".")) return false
  const path = column.split(".")
  const parent = walk(row.fields, path.slice(0, -1))
  return typeof parent === "object" && parent !== null && path[path.length - 1]! in parent
}

/** Whether some of `rows` has `column`. */
export const present = (rows: ReadonlyArray<SourceRow>, column: string): boolean =>
  rows.some((row) => has(row, column))

/** The top-level columns of `rows`, in the order they first appear. */
export const available = (rows: ReadonlyArray<SourceRow>): Array<string> => {
  const seen = new Set<string>()
  for (const row of rows) for (const column of Object.keys(row.fields)) seen.add(column)
  return [...seen]
}

const normal = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "")

/**
 * The candidate most like `wanted`, if any is close: the same once case and punctuation are
 * ignored, one containing the other (`E-mail` / `Email Address`), or a few edits apart.
 */
export const closest = (wanted: string, candidates: ReadonlyArray<string>): string | undefined => {
  const target = normal(wanted)
  let best: string | undefined
  let bestScore = Infinity
  for (const candidate of candidates) {
    const name = normal(candidate)
    const contains =
      Math.min(name.length, target.length) >= 3 && (name.includes(target) || target.includes(name))
    const score = name === target ? 0 : contains ? 1 : 1 + distance(name, target)
    if (score < bestScore) {
      best = candidate
      bestScore = score
    }
  }
  return bestScore <= 1 + Math.max(1, Math.round(target.length / 3)) ? best : undefined
}
