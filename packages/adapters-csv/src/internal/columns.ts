/**
 * The columns of a CSV table and the records of its rows: names that can be used as keys, and
 * records built fast and without keeping the decoded piece they came from alive.
 */

/** The text cannot be read as a table at all (a header that cannot be used). */
export class FatalCsvError extends Error {}

export const checkColumns = (names: ReadonlyArray<string>, where: string): ReadonlyArray<string> => {
  const seen = new Map<string, number>()
  names.forEach((name, i) => {
    if (name.trim() === "") throw new FatalCsvError(`${where}: column ${i + 1} has an empty name`)
    if (name === "__proto__") throw new FatalCsvError(`${where}: column ${i + 1} is named "__proto__"`)
    const before = seen.get(name)
    if (before !== undefined)
      throw new FatalCsvError(
        `${where}: the name "${name}" is used twice (columns ${before + 1} and ${i + 1})`,
      )
    seen.set(name, i)
  })
  return names
}

// Why: docs/performance.md, "CSV fields kept by a consumer".
/**
 * V8 keeps a substring of 13 or more characters as a view into its parent string: one field kept
 * by a consumer (a rejected row's key in the report, a ledger entry) would keep the whole decoded
 * piece (~128 KB) alive. This copies such fields out of the piece (the concatenation is flattened
 * into a string of their own).
 */
export const detach = (value: string): string => (value.length < 13 ? value : (" " + value).slice(1))

/** Makes a row's record from its fields, copying each with `copy`. */
export type RecordMaker = (fields: ReadonlyArray<string>, copy: typeof detach) => Record<string, string>

// Why: docs/performance.md, "CSV records as object literals".
/**
 * A function making a row's record: an object literal with the columns as keys, which V8 builds
 * much faster than one filled key by key (names are JSON-quoted: any text is a safe key).
 */
export const recordMaker = (columns: ReadonlyArray<string>): RecordMaker =>
  new Function(
    "fields",
    "copy",
    `return {${columns.map((name, i) => `${JSON.stringify(name)}: copy(fields[${i}])`).join(", ")}}`,
  ) as RecordMaker
