/**
 * The ledger behind a configuration's `state` file. Without a state file a run has no memory:
 * every row is sent every time, and `update-only` / `insert-only` cannot be used.
 */
import type { Ledger } from "@brainsync/core"
import { Effect, Layer } from "effect"
import * as Exit from "./exit.js"
import * as Lazy from "./lazy.js"

/** The ledger for `state` (a SQLite file), as a layer. */
export const layer = (state: string): Layer.Layer<Ledger.Ledger, Exit.CliFailure> =>
  Lazy.layer(
    () => import("@brainsync/adapters-sql/SqlLedger"),
    (SqlLedger) => SqlLedger.layerSqlite(state),
  ).pipe(Layer.mapError((error) => Exit.usage(`state: ${error.message}`)))

/** Runs `effect` with the ledger of `state` when there is one (it reads it with `Ledger.optional`). */
export const provide = <A, E>(
  effect: Effect.Effect<A, E>,
  state: string | undefined,
): Effect.Effect<A, E | Exit.CliFailure> =>
  state === undefined ? effect : Effect.provide(effect, layer(state))
