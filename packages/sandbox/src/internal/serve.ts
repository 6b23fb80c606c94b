/** The `brainsync sandbox` command's work: start the sandbox, print how to reach it, serve until interrupted. */
import { Console, Effect, Option, Redacted } from "effect"
import * as Fixtures from "../Fixtures.js"
import * as Sandbox from "../Sandbox.js"
import type { Args } from "../SandboxCommand.js"

export const serve = (args: Args) =>
  Effect.gen(function* () {
    const account = Option.isSome(args.fixtures) ? yield* Fixtures.fromFile(args.fixtures.value) : undefined
    const allow = args.webhookAllow
      .flatMap((hosts) => hosts.split(","))
      .map((h) => h.trim())
      .filter((h) => h !== "")
    const sandbox = yield* Sandbox.make({
      host: args.host,
      port: args.port,
      db: Option.getOrUndefined(args.db),
      tokens: args.token,
      fixtures: account,
      processingDelay: args.processingDelay,
      rateLimit: args.rateLimit,
      webhookAllow: allow.length > 0 ? allow : undefined,
      failRate: args.failRate,
      resetRate: args.resetRate,
      dropResponseRate: args.dropResponseRate,
      latency: Option.getOrUndefined(args.latency),
      seed: args.seed,
    })
    // The sandbox's token is a local test credential; printing it is the point.
    yield* Console.log(
      [
        `MainBrainer sandbox listening on ${sandbox.url}`,
        `  token:   ${Redacted.value(sandbox.token)}`,
        `  list id: ${sandbox.listId}`,
        `  db:      ${Option.getOrElse(args.db, () => ":memory: (lost on exit)")}`,
        `  POST ${sandbox.url}/contacts/batch; inspect ${sandbox.url}/sandbox/contacts, /sandbox/stats (with the token)`,
      ].join("\n"),
    )
    return yield* Effect.never
  }).pipe(Effect.scoped)
