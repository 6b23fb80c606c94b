/**
 * Reads a `Retry-After` header: either delay-seconds or an HTTP date. Returns the wait in
 * seconds (never negative), or `undefined` when the header is missing or unreadable.
 */
export const parseRetryAfter = (header: string | undefined, nowMillis: number): number | undefined => {
  if (header === undefined) return undefined
  const text = header.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text)
  // An HTTP date always names a weekday or month; plain `Date.parse` would also accept "12".
  if (!/[a-z]/i.test(text)) return undefined
  const at = Date.parse(text)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, Math.ceil((at - nowMillis) / 1000))
}
