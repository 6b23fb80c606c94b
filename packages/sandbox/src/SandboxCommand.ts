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

const host = Options.text("host").pipe(
  Options.withDefault("127.0.0.1"),
  Options.withDescription("Interface to listen on."),
)
const port = Options.integer("port").pipe(
  Options.withDefault(4010),
  Options.withDescription("Port to listen on; 0 picks a free port."),
)
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
const processingDelay = Options.integer("processing-delay").pipe(
  Options.withDefault(200),
  Options.withDescription("Milliseconds between accepting a batch and applying it."),
)
const rateLimit = Options.integer("rate-limit").pipe(
  Options.withDefault(20),
  Options.withDescription("Requests per second per token (0 turns the limit off)."),
)
const webhookAllow = Options.text("webhook-allow").pipe(
  Options.repeated,
  Options.withDescription(
    "Host allowed to receive webhooks, repeatable or comma-separated; * for any (default: loopback).",
  ),
)
const rate = (name: string, description: string) =>
  Options.float(name).pipe(Options.withDefault(0), Options.withDescription(description))
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
const seed = Options.integer("seed").pipe(
  Options.withDefault(1),
  Options.withDescription("Seed of the injected faults."),
)

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
