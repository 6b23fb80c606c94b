/**
 * The seed's use case: a sync that runs every 15 minutes, composed into a larger Effect program.
 * The "database" here is an in-process table that changes between runs; with a ledger, each run
 * after the first sends only the rows that changed, and updates carry the contactIds the CRM
 * reported (by webhook) on earlier runs. Beside the sync, the program runs its own work (here a
 * heartbeat); `Sync.events` feeds a progress line.
 *
 *   pnpm brainsync sandbox                      # in another terminal: a local CRM on :4010
 *   MAINBRAINER_BASE_URL=http://127.0.0.1:4010 MAINBRAINER_TOKEN=sandbox-token \
 *     SYNC_EVERY="15 minutes" SYNC_RUNS=0 pnpm exec tsx examples/periodic-sync.ts
 *
 * SYNC_EVERY (default "1 second", to see it work) and SYNC_RUNS (default 3; 0 = forever).
 */
import { MainBrainer, WebhookReceiver } from "@brainsync/adapters-http"
import { SqlLedger } from "@brainsync/adapters-sql"
import { Mapping, SourceRow, Sync, SyncReport } from "@brainsync/core"
import { NodeRuntime } from "@effect/platform-node"
import { Chunk, Config, Console, Duration, Effect, Layer, Ref, Schedule, Stream } from "effect"

/** A table in "another database": 400 customers; each run, 10 of them change their city. */
const customersTable = Ref.unsafeMake(
  Array.from({ length: 400 }, (_, i) => ({
    id: i + 1,
    email: `customer${i + 1}@example.com`,
    city: "Lisbon",
  })),
)
const editSomeRows = (run: number) =>
  Ref.update(customersTable, (rows) =>
    rows.map((row) => (row.id % 40 === run % 40 ? { ...row, city: `City of run ${run}` } : row)),
  )
/** The source: a snapshot of the table, read fresh on every run, in chunks. */
const customers = Stream.unwrap(
  Effect.map(Ref.get(customersTable), (rows) =>
    Stream.fromChunk(
      Chunk.fromIterable(rows.map((row) => SourceRow.make({ position: `id ${row.id}`, fields: row }))),
    ),
  ),
)

const program = Effect.gen(function* () {
  const listId = yield* Config.string("MAINBRAINER_LIST_ID").pipe(
    Config.withDefault("9fc6ad7d-902a-4834-b161-a4911b883d44"),
  )
  const every = yield* Config.duration("SYNC_EVERY").pipe(Config.withDefault(Duration.seconds(1)))
  const runs = yield* Config.integer("SYNC_RUNS").pipe(Config.withDefault(3))
  const mapping = Mapping.make({
    listId,
    key: "id",
    fields: { email: "email" },
    properties: { City: "city" },
  })
  const run = Ref.unsafeMake(0)

  // One run: the sync's events drive a progress line; the stream ends with the report.
  const syncOnce = Effect.gen(function* () {
    const n = yield* Ref.updateAndGet(run, (k) => k + 1)
    if (n > 1) yield* editSomeRows(n)
    const finished = yield* Sync.events({ name: "example-periodic", source: customers, mapping }).pipe(
      Stream.tap((event) =>
        event._tag === "BatchAccepted"
          ? Console.log(`  run ${n}: batch ${event.batch} accepted (${event.size})`)
          : Effect.void,
      ),
      Stream.runLast,
    )
    if (finished._tag === "Some" && finished.value._tag === "Finished")
      yield* Console.log(`run ${n}: ${SyncReport.summary(finished.value.report)}`)
  })

  const schedule: Schedule.Schedule<unknown> =
    runs > 0
      ? Schedule.spaced(every).pipe(Schedule.intersect(Schedule.recurs(runs - 1)))
      : Schedule.spaced(every)
  const syncs = syncOnce.pipe(
    // A run that fails (the CRM down, a bad token) is logged; the next one is tried on schedule.
    Effect.catchTag("SyncError", (error) => Console.log(`sync stopped: ${error.message}`)),
    Effect.repeat(schedule),
  )
  // The rest of the program goes on beside the syncs.
  const heartbeat = Effect.repeat(Effect.logDebug("still here"), Schedule.spaced("30 seconds"))
  yield* Effect.raceFirst(syncs, heartbeat)
})

const Live = Layer.mergeAll(
  MainBrainer.layerConfig({ requestsPerSecond: Config.succeed(10) }),
  WebhookReceiver.layer({ host: "127.0.0.1", port: 0 }),
  Layer.unwrapEffect(
    Effect.map(
      Config.string("BRAINSYNC_STATE").pipe(Config.withDefault(".brainsync/example-periodic.db")),
      (path) => SqlLedger.layerSqlite(path),
    ),
  ),
)

program.pipe(Effect.provide(Live), NodeRuntime.runMain)
