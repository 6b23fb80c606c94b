/**
 * `brainsync retry --config FILE`: sends the dead letters of the state file again (rows whose
 * delivery failed: retries exhausted, or the run stopped). They go as they were mapped then; a row
 * delivered now leaves the dead letters.
 */
import { DeadLetters, Ledger as CoreLedger } from "@brainsync/core"
import { Effect, Option } from "effect"
import { resolve } from "node:path"
import * as SyncConfig from "../../SyncConfig.js"
import * as Exit from "../exit.js"
import * as Ledger from "../ledger.js"
import * as Run from "../run.js"
import * as Token from "../token.js"
import type { Args } from "../commands/retry.js"
import { loadWithState } from "./status.js"

export const handle = (args: Args) =>
  Run.command(
    args.json,
    Effect.gen(function* () {
      const { config, state } = yield* loadWithState(args.config, "retry", args.state)
      return yield* Effect.provide(
        Effect.gen(function* () {
          const ledger = yield* CoreLedger.Ledger
          const mapping = SyncConfig.mapping(config)
          const letters = yield* DeadLetters.list({ name: config.name, mapping }).pipe(
            Effect.mapError(
              (error) => new Exit.CliFailure({ code: Exit.ROWS_FAILED, message: error.message }),
            ),
          )
          if (letters.length === 0) {
            process.stdout.write(
              args.json
                ? `${JSON.stringify({ _tag: "Summary", exitCode: 0, deadLetters: 0 })}\n`
                : "No dead letters: nothing to retry.\n",
            )
            return undefined
          }
          const token = yield* Token.read(args.tokenStdin)
          if (!args.json)
            process.stdout.write(
              `Sending ${letters.length} dead letter${letters.length === 1 ? "" : "s"} again.\n`,
            )
          return yield* Run.run({
            _tag: "Retry",
            config,
            token,
            ledger,
            mapping,
            where: args.config,
            display: Run.displayMode(args.json),
            reportPath: Option.getOrUndefined(Option.map(args.report, (path) => resolve(path))),
          })
        }),
        Ledger.layer(state),
      )
    }),
  )
