/** A token bucket per bearer token: `perSecond` requests a second, bursts up to `perSecond`. */
export interface RateLimiter {
  /** `undefined` when the request may go ahead, else the seconds to wait (for `Retry-After`). */
  readonly take: (token: string, nowMs: number) => number | undefined
  readonly reset: () => void
}

export const make = (perSecond: number): RateLimiter => {
  const buckets = new Map<string, { tokens: number; at: number }>()
  const capacity = Math.max(1, perSecond)
  return {
    take: (token, nowMs) => {
      if (perSecond <= 0) return undefined
      const bucket = buckets.get(token) ?? { tokens: capacity, at: nowMs }
      bucket.tokens = Math.min(capacity, bucket.tokens + ((nowMs - bucket.at) / 1000) * perSecond)
      bucket.at = nowMs
      buckets.set(token, bucket)
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return undefined
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond))
    },
    reset: () => buckets.clear(),
  }
}
