/** Request counters kept in memory (the store counts contacts, batches and webhooks). */

/**
 * Requests served: by status, in all, and the most in any one second; the docs show it where it
 * is used.
 *
 * @inline
 */
export interface RequestStats {
  readonly byStatus: Record<string, number>
  readonly total: number
  /** The most requests served in any one second. */
  readonly peakPerSecond: number
}

export const make = () => {
  let byStatus: Record<string, number> = {}
  let total = 0
  let peak = 0
  let second = -1
  let inSecond = 0
  return {
    record: (status: string, nowMs: number) => {
      byStatus[status] = (byStatus[status] ?? 0) + 1
      total++
      const s = Math.floor(nowMs / 1000)
      if (s === second) inSecond++
      else {
        second = s
        inSecond = 1
      }
      if (inSecond > peak) peak = inSecond
    },
    snapshot: (): RequestStats => ({ byStatus: { ...byStatus }, total, peakPerSecond: peak }),
    reset: () => {
      byStatus = {}
      total = 0
      peak = 0
      second = -1
      inSecond = 0
    },
  }
}
export type Counters = ReturnType<typeof make>
