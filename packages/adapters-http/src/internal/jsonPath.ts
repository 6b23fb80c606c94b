/** Finds a value in parsed JSON by a dotted path (`data.items`) or a list of keys. */

/**
 * A dotted path (`data.items`) or a list of keys; the docs show it where it is used.
 *
 * @inline
 */
export type Path = string | ReadonlyArray<string>

export const segments = (path: Path | undefined): ReadonlyArray<string> =>
  path === undefined ? [] : typeof path === "string" ? path.split(".").filter((s) => s !== "") : path

export const get = (value: unknown, path: ReadonlyArray<string>): unknown => {
  let current = value
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

export const show = (path: ReadonlyArray<string>) => (path.length === 0 ? "the body" : path.join("."))
