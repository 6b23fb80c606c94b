/** An option given as a value or as the `Config` to read it from. */
import { Config, type ConfigError, Effect } from "effect"

export type Configured<A> = A | Config.Config<A>

/** Every option of `O`, optional, as a value or the `Config` to read it from. */
export type Configurable<O> = { readonly [K in keyof O]?: Configured<Exclude<O[K], undefined>> | undefined }

/** What a `Configured` option reads as. */
export type Read<T> = T extends Config.Config<infer A> ? A : T

export const read = <A>(
  value: Configured<A> | undefined,
): Effect.Effect<A | undefined, ConfigError.ConfigError> =>
  Config.isConfig(value) ? value : Effect.succeed(value)

/** Reads the options named by `keys`, one after the other in that order. */
export const readAll = <O extends object, K extends keyof O>(
  options: O,
  keys: ReadonlyArray<K>,
): Effect.Effect<{ readonly [P in K]: Read<O[P]> }, ConfigError.ConfigError> =>
  Effect.reduce(keys, {} as { [P in K]: Read<O[P]> }, (values, key) =>
    Effect.map(read(options[key] as Configured<unknown> | undefined), (value) => ({
      ...values,
      [key]: value,
    })),
  )
