/**
 * The reject-rate guard rail's figures and the `--max-reject-rate` syntax. A module of its own, free
 * of imports, so that the command's option descriptions can quote the figures without loading the
 * configuration's Schema at start-up.
 */

/**
 * The rejected share of the rows above which a run stops (exit 1) when neither the configuration
 * nor the command line says otherwise: a source whose rows mostly cannot be sent more likely has a
 * mapping that does not fit it than bad data.
 */
export const DEFAULT_MAX_REJECT_RATE = 0.1

/** Rows read before the rate is checked during a run (at the end it is checked whatever the size): the first rows alone say little. */
export const REJECT_RATE_FROM = 1000

/** The limit a run goes by: the one given, else the default; 100% or more is none (`undefined`). */
export const limitOf = (given: number | undefined): number | undefined => {
  const limit = given ?? DEFAULT_MAX_REJECT_RATE
  return limit >= 1 ? undefined : limit
}

/** `5%`, `0.05` → 0.05; `undefined` when it is not a rate from 0 to 100%. */
export const parse = (text: string): number | undefined => {
  const trimmed = text.trim()
  const percent = trimmed.endsWith("%")
  const value = Number(percent ? trimmed.slice(0, -1) : trimmed)
  if (trimmed === "" || trimmed === "%" || !Number.isFinite(value)) return undefined
  const ratio = percent ? value / 100 : value
  return ratio >= 0 && ratio <= 1 ? ratio : undefined
}

/** `0.1` → `10%`, `0.075` → `7.5%`. */
export const percent = (ratio: number) => `${(ratio * 100).toFixed(1).replace(/\.0$/, "")}%`
