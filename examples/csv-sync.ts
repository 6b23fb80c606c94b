/**
 * A CSV sync as a program of your own: examples/contacts.csv into a MainBrainer list, with the
 * CRM's per-contact results by webhook and a state file, so that the next run sends only what
 * changed. The same thing `brainsync sync` does from a configuration file.
 *
 *   pnpm brainsync sandbox                      # in another terminal: a local CRM on :4010
 *   MAINBRAINER_BASE_URL=http://127.0.0.1:4010 MAINBRAINER_TOKEN=sandbox-token pnpm exec tsx examples/csv-sync.ts
 *
 * Optional: MAINBRAINER_LIST_ID (default: the sandbox's list), CSV_FILE, BRAINSYNC_STATE.
 */
import { CsvSource } from "@brainsync/adapters-csv"
import { MainBrainer, WebhookReceiver } from "@brainsync/adapters-http"
import { SqlLedger } from "@brainsync/adapters-sql"
import { Mapping, Sync, SyncReport } from "@brainsync/core"
import { NodeRuntime } from "@effect/platform-node"
import { Config, Console, Effect, Layer } from "effect"
import { fileURLToPath } from "node:url"

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

const program = Effect.gen(function* () {
  const listId = yield* Config.string("MAINBRAINER_LIST_ID").pipe(
    Config.withDefault("9fc6ad7d-902a-4834-b161-a4911b883d44"),
  )
  const file = yield* Config.string("CSV_FILE").pipe(Config.withDefault(here("contacts.csv")))

  // Column names on the right; the CRM's fields and properties on the left.
  const mapping = Mapping.make({
    listId,
    key: "external_id",
    defaultCountry: "US", // for national numbers like (212) 555-1234
    fields: { email: "email", phone: "phone", emailOptIn: "newsletter", mobileOptIn: "sms_opt_in" },
    properties: { "First Name": "first_name", "Last Name": "last_name", Company: "company", City: "city" },
  })

  const report = yield* Sync.run({
    name: "example-csv",
    source: CsvSource.fromFile(file),
    mapping,
    requestsPerSecond: 10,
  })
  yield* Console.log(SyncReport.summary(report))
  for (const row of report.rejectedRows.slice(0, 3))
    yield* Console.log(`  rejected ${row.position}: ${row.field}: ${row.reason}`)
})

const Live = Layer.mergeAll(
  // MAINBRAINER_BASE_URL and MAINBRAINER_TOKEN (read as a Redacted secret).
  MainBrainer.layerConfig({ requestsPerSecond: Config.succeed(10) }),
  // A local receiver for the CRM's batch reports: rows end inserted / updated / skipped.
  WebhookReceiver.layer({ host: "127.0.0.1", port: 0 }),
  Layer.unwrapEffect(
    Effect.map(
      Config.string("BRAINSYNC_STATE").pipe(Config.withDefault(".brainsync/example-csv.db")),
      (path) => SqlLedger.layerSqlite(path),
    ),
  ),
)

program.pipe(Effect.provide(Live), NodeRuntime.runMain)
