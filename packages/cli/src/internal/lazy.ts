/**
 * Modules loaded when they are needed, not when the command starts: each command's handler, and
 * the adapters a run may not use (the HTTP sink and webhook receiver, the SQLite ledger, the HTTP
 * and SQL sources). `--help` and `--version` then load none of them, and a dry run from a CSV
 * loads no HTTP stack and no SQLite.
 */
import { Command } from "@effect/cli"
import { Effect, Layer, type Types } from "effect"

/** What a command with these options gives its handler. */
export type Args<Config extends Command.Command.Config> = Types.Simplify<Command.Command.ParseConfig<Config>>

/** A module whose `handle` does a command's work. */
export interface Handler<Args, E, R> {
  readonly handle: (args: Args) => Effect.Effect<void, E, R>
}

/** A command handler that imports its module when the command runs. */
const handler =
  <Args, E, R>(load: () => Promise<Handler<Args, E, R>>) =>
  (args: Args): Effect.Effect<void, E, R> =>
    Effect.flatMap(Effect.promise(load), (module) => module.handle(args))

/** A subcommand whose work is the `handle` of the module `load` imports, when the subcommand runs. */
export const command = <Name extends string, const Config extends Command.Command.Config, E, R>(
  name: Name,
  config: Config,
  description: string,
  load: () => Promise<Handler<Args<Config>, E, R>>,
): Command.Command<Name, R, E, Args<Config>> =>
  Command.make(name, config, handler(load)).pipe(Command.withDescription(description))

/** A layer built from a module imported when the layer is built. */
export const layer = <M, A, E, R>(
  load: () => Promise<M>,
  make: (module: M) => Layer.Layer<A, E, R>,
): Layer.Layer<A, E, R> => Layer.unwrapEffect(Effect.map(Effect.promise(load), make))
