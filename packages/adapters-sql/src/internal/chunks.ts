/** Splits `items` into arrays of at most `size` (one SQL statement each, under the engine's parameter limit). */
export const chunksOf = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> => {
  if (items.length <= size) return items.length === 0 ? [] : [items]
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** The last row of each key, in first-seen order: one statement must not upsert a key twice (PostgreSQL refuses). */
export const lastByKey = <A extends { readonly key: string }>(rows: ReadonlyArray<A>): ReadonlyArray<A> => {
  const byKey = new Map<string, A>()
  for (const row of rows) byKey.set(row.key, row)
  return byKey.size === rows.length ? rows : [...byKey.values()]
}
