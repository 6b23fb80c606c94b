/** An option given as a value or as the `Config` to read it from. */
import { Config, type ConfigError, Effect } from "effect"

export type Configured<A> = A | Config.Config<A>

export const read = <A>(
  value: Configured<A> | undefined,
): Effect.Effect<A | undefined, ConfigError.ConfigError> =>
  Config.isConfig(value) ? value : Effect.succeed(value)
