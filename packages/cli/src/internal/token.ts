/**
 * The CRM token: from `MAINBRAINER_TOKEN`, or from standard input with `--token-stdin`. It is
 * `Redacted` from the moment it is read; there is no flag that takes it as a value, so it never
 * lands in shell history or `ps`.
 */
import { Effect, Redacted } from "effect"
import * as Exit from "./exit.js"

export const ENV = "MAINBRAINER_TOKEN"

const readStdin = Effect.tryPromise({
  try: async () => {
    let text = ""
    process.stdin.setEncoding("utf8")
    for await (const piece of process.stdin) text += String(piece)
    return text
  },
  catch: () => Exit.usage("--token-stdin: cannot read standard input"),
})

export const read = (fromStdin: boolean): Effect.Effect<Redacted.Redacted<string>, Exit.CliFailure> =>
  Effect.gen(function* () {
    if (fromStdin) {
      const text = (yield* readStdin).trim()
      if (text === "") return yield* Exit.usage("--token-stdin: standard input was empty; pipe the token in")
      return Redacted.make(text)
    }
    const value = process.env[ENV]?.trim()
    if (value === undefined || value === "")
      return yield* Exit.usage(`no CRM token: set ${ENV}, or pipe it in with --token-stdin`)
    return Redacted.make(value)
  })
