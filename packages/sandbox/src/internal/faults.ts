/** Injected faults, drawn from a seeded generator so that a run can be replayed. */
export interface FaultOptions {
  readonly failRate: number
  readonly resetRate: number
  readonly dropResponseRate: number
  readonly latency: readonly [number, number]
  readonly seed: number
}

export interface Draw {
  readonly latencyMs: number
  readonly reset: boolean
  readonly fail: boolean
  readonly dropResponse: boolean
}

/** mulberry32: small, fast and good enough for fault injection. */
const generator = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One draw per request, always four numbers, so that each request's faults depend only on its rank. */
export const make = (options: FaultOptions): (() => Draw) => {
  const next = generator(options.seed)
  const [low, high] = options.latency
  return () => {
    const latency = next()
    const reset = next()
    const fail = next()
    const drop = next()
    return {
      latencyMs: Math.round(low + latency * (high - low)),
      reset: reset < options.resetRate,
      fail: fail < options.failRate,
      dropResponse: drop < options.dropResponseRate,
    }
  }
}

/** Parses `"A-B"` (or `"A"`) milliseconds. */
export const parseLatency = (text: string): readonly [number, number] | undefined => {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text)
  if (match === null) return undefined
  const low = Number(match[1])
  const high = match[2] === undefined ? low : Number(match[2])
  return high >= low ? [low, high] : undefined
}
