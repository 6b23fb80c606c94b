/**
 * `brainsync demo`: the whole story on this machine, with nothing to configure. A sandbox CRM on a
 * free loopback port with a temporary database; a sync of examples/contacts.csv with webhook
 * results; then a sync of the same export a day later, where the state file keeps every unchanged
 * row from being sent again.
 */
import { Sandbox } from "@brainsync/sandbox"
import { Effect } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import * as SyncConfig from "../../SyncConfig.js"
import * as Exit from "../exit.js"
import * as Format from "../format.js"
import * as Ledger from "../ledger.js"
import { packageFile } from "../packageFolder.js"
import * as RejectRate from "../rejectRate.js"
import * as Run from "../run.js"
import * as Source from "../source.js"

/** The demo's two exports, copied into the package by the build from the repository's examples/. */
const demoFolder = () => packageFile("dist/demo")

/** The configuration the demo runs with: the file `brainsync init` would write for contacts.csv, pointed at the sandbox. */
export const demoConfig = (
  baseUrl: string,
  listId: string,
  csv: string,
  state: string,
): SyncConfig.SyncConfig => ({
  name: "demo-contacts",
  crm: { baseUrl, listId },
  source: { kind: "csv", path: csv },
  key: "external_id",
  defaultCountry: "US",
  fields: { email: "email", phone: "phone", emailOptIn: "newsletter", mobileOptIn: "sms_opt_in" },
  properties: {
    "First Name": "first_name",
    "Last Name": "last_name",
    Company: "company",
    City: "city",
    Country: "country",
  },
  batchSize: 100,
  requestsPerSecond: 10,
  concurrency: 4,
  results: { webhook: { listen: "127.0.0.1:0" } },
  state,
})

const say = (text: string) => Effect.sync(() => void process.stdout.write(`${text}\n`))

export const handle = () =>
  Effect.gen(function* () {
    const style = Format.styleFor(process.stdout)
    const folder = mkdtempSync(join(tmpdir(), "brainsync-demo-"))
    const sandbox = yield* Sandbox.make({
      port: 0,
      db: join(folder, "sandbox.db"),
      processingDelay: 50,
    }).pipe(
      Effect.mapError(
        (error) =>
          new Exit.CliFailure({
            code: Exit.ROWS_FAILED,
            message: `the sandbox could not start: ${error.message}`,
          }),
      ),
    )
    const first = join(demoFolder(), "contacts.csv")
    const second = join(demoFolder(), "contacts-changed.csv")
    const shown = (path: string) => relative(process.cwd(), path) || path
    const state = join(folder, "state.db")
    const config = demoConfig(sandbox.url, sandbox.listId, first, state)

    yield* say(
      Format.bold(style, "brainsync demo") + " — everything runs on this machine; nothing to configure.\n",
    )
    yield* say(
      `A MainBrainer sandbox is listening on ${sandbox.url} (its database: ${join(folder, "sandbox.db")}).`,
    )
    yield* say(
      `The mapping: external_id is the key, email + phone (US for national numbers) identify the contact,`,
    )
    yield* say(`newsletter / sms_opt_in are the opt-ins, five columns become CRM properties.\n`)

    const runOf = (csv: string, tag: string) =>
      Effect.gen(function* () {
        const source = yield* Source.open({ kind: "csv", path: csv })
        return yield* Run.run({
          _tag: "Send",
          config: { ...config, source: { kind: "csv", path: csv } },
          token: sandbox.token,
          mapping: SyncConfig.mapping(config),
          rows: source.rows,
          fraction: source.fraction,
          mode: "upsert",
          display: Run.displayMode(false),
          reportPath: join(folder, `report-${tag}.json`),
          rejectsPath: join(folder, `rejects-${tag}.csv`),
          tuning: { flushAfter: "200 millis" },
          maxRejectRate: RejectRate.DEFAULT_MAX_REJECT_RATE,
        })
      })

    const codes = yield* Ledger.provide(
      Effect.gen(function* () {
        yield* say(
          Format.bold(style, `1/2  ${shown(first)}`) +
            ": 3,000 contacts exported from another system, some of them bad.",
        )
        yield* say(
          "     10 requests/s, 100 contacts each; the CRM reports each contact's result by webhook.\n",
        )
        const one = yield* runOf(first, "1")
        const examples = one.report.rejectedRows.slice(0, 3)
        if (examples.length > 0) {
          yield* say(`  Rejected rows are not sent; each is in the rejects file with its reason, e.g.`)
          for (const row of examples)
            yield* say(
              `    ${Format.padEnd(row.position, 11)}${row.field === "row" ? row.reason : `${row.field}: ${row.reason}`}`,
            )
        }
        yield* say("")
        yield* say(
          Format.bold(style, `2/2  ${shown(second)}`) +
            ": the same export a day later (some rows edited, a few added).",
        )
        yield* say("     The state file remembers what was sent, so only what changed goes out.\n")
        const two = yield* runOf(second, "2")
        const report = two.report
        const sent = report.inserted + report.updated + report.skipped + report.accepted + report.failed
        yield* say(
          Format.bold(
            style,
            `  Sent ${Format.count(sent)} of ${Format.count(report.read)} rows (${Format.count(report.inserted)} new, ${Format.count(report.updated)} changed) in ${report.requests} request${report.requests === 1 ? "" : "s"}; ` +
              `${Format.count(report.unchanged)} unchanged rows were not sent.`,
          ),
        )
        return [one.code, two.code] as const
      }),
      state,
    )
    const contacts = yield* sandbox.contacts(sandbox.listId)
    yield* say(`  The sandbox's list now holds ${Format.count(contacts.length)} contacts. Files: ${folder}\n`)
    yield* say(
      `Next: ${Format.bold(style, "pnpm brainsync init --csv your.csv")} writes a configuration to start from (see README.md).`,
    )
    const code = Math.max(...codes)
    if (code !== Exit.OK)
      return yield* new Exit.CliFailure({ code, message: "the demo did not finish cleanly" })
  }).pipe(Effect.scoped)
