/**
 * Runs a sandbox in its own process for the benchmarks (so that its work does not share an event
 * loop with the client being measured, as a real CRM would not). Prints one JSON line with its
 * URL and list id, then serves until killed. Usage: node --import tsx sandboxProcess.ts <rateLimit>
 */
import { Sandbox } from "@brainsync/sandbox"
import { Effect } from "effect"

const rateLimit = Number(process.argv[2] ?? "20")

Effect.runFork(
  Effect.scoped(
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({ rateLimit })
      console.log(JSON.stringify({ url: sandbox.url, listId: sandbox.listId }))
      return yield* Effect.never
    }),
  ),
)
