/**
 * Modules loaded when they are needed, not when the command starts: each command's handler, and
 * the adapters a run may not use (the HTTP sink and webhook receiver, the SQLite ledger, the HTTP
 * and SQL sources). `--help` and `--version` then load none of them, and a dry run from a CSV
 * loads no HTTP stack and no SQLite.
 */
import { Effect, Layer } from "effect"

/** A command handler that imports its module when the command runs. */
export const handler =
  <Args, E, R>(load: () => Promise<{ readonly handle: (args: Args) => Effect.Effect<void, E, R> }>) =>
  (args: Args): Effect.Effect<void, E, R> =>
    Effect.flatMap(Effect.promise(load), (module) => module.handle(args))

/** A layer built from a module imported when the layer is built. */
export const layer = <M, A, E, R>(
  load: () => Promise<M>,
  make: (module: M) => Layer.Layer<A, E, R>,
): Layer.Layer<A, E, R> => Layer.unwrapEffect(Effect.map(Effect.promise(load), make))
