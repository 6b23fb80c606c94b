/**
 * `brainsync sandbox` (and the `brainsync-sandbox` bin): runs the sandbox until interrupted and
 * prints its URL, token and default list id. The server is loaded only when the command runs, so
 * `--help` stays light.
 *
 * @since 0.1.0
 * @module
 */
import { Command, Options } from "@effect/cli"
import { Effect } from "effect"
import { DEFAULT_TOKEN } from "./internal/defaults.js"

/** An option with a default value and its description. */
const withDefault = <A>(option: Options.Options<A>, fallback: A, description: string) =>
  option.pipe(Options.withDefault(fallback), Options.withDescription(description))

const host = withDefault(Options.text("host"), "127.0.0.1", "Interface to listen on.")
const port = withDefault(Options.integer("port"), 4010, "Port to listen on; 0 picks a free port.")
const db = Options.file("db").pipe(
  Options.optional,
  Options.withDescription(
    "SQLite file (default: in memory). A restart on the same file resumes unapplied batches.",
  ),
)
const token = Options.text("token").pipe(
  Options.repeated,
  Options.withDescription(`Accepted bearer token, repeatable (default: ${DEFAULT_TOKEN}).`),
)
const fixtures = Options.file("fixtures", { exists: "yes" }).pipe(
  Options.optional,
  Options.withDescription(
    'JSON file { "lists": [{ "listId" }], "properties": [{ "propertyId", "propertyName" }] } replacing the default account.',
  ),
)
const processingDelay = withDefault(
  Options.integer("processing-delay"),
  200,
  "Milliseconds between accepting a batch and applying it.",
)
const rateLimit = withDefault(
  Options.integer("rate-limit"),
  20,
  "Requests per second per token (0 turns the limit off).",
)
const webhookAllow = Options.text("webhook-allow").pipe(
  Options.repeated,
  Options.withDescription(
    "Host allowed to receive webhooks, repeatable or comma-separated; * for any (default: loopback).",
  ),
)
const rate = (name: string, description: string) => withDefault(Options.float(name), 0, description)
const failRate = rate("fail-rate", "Probability of a 500 before anything is applied.")
const resetRate = rate("reset-rate", "Probability that the connection is destroyed with no response.")
const dropResponseRate = rate(
  "drop-response-rate",
  "Probability that an accepted batch's connection is destroyed before the 202 is sent.",
)
const latency = Options.text("latency").pipe(
  Options.optional,
  Options.withDescription('Added delay per request, "A-B" ms.'),
)
const seed = withDefault(Options.integer("seed"), 1, "Seed of the injected faults.")

const options = {
  host,
  port,
  db,
  token,
  fixtures,
  processingDelay,
  rateLimit,
  webhookAllow,
  failRate,
  resetRate,
  dropResponseRate,
  latency,
  seed,
}

/**
 * The parsed command line of `brainsync sandbox`.
 *
 * @useDeclaredType
 * @since 0.1.0
 * @category models
 */
export type Args = Command.Command.ParseConfig<typeof options>

/**
 * The `sandbox` command of `@effect/cli`: what `brainsync sandbox` and the `brainsync-sandbox`
 * bin run.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("sandbox", options, (args) =>
  Effect.flatMap(
    Effect.promise(() => import("./internal/serve.js")),
    (serve) => serve.serve(args),
  ),
).pipe(Command.withDescription("Run a local MainBrainer-compatible server (the sandbox)."))
