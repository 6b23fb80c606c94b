/**
 * A program that embeds brainsync as a user would, compiled and run by test/package/install.test.ts
 * in a project that installed the packed packages: its own source adapter (a paginated service of
 * its own, behind its own Layer) merged with a CSV export, the MainBrainer sink, and a retry
 * schedule around `Sync.run`, inside its own Effect program.
 */
import { CsvSource } from "@brainsync/adapters-csv"
import { MainBrainer } from "@brainsync/adapters-http"
import { Mapping, SourceRow, Sync, SyncReport } from "@brainsync/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Chunk, Config, Console, Context, Effect, Layer, Option, Schedule, Stream } from "effect"

interface Member {
  readonly id: number
  readonly mail: string
  readonly name: string
}

/** The other system: pages of members. */
class Members extends Context.Tag("consumer/Members")<
  Members,
  { readonly page: (index: number) => Effect.Effect<ReadonlyArray<Member>> }
>() {}

const MembersLive = Layer.succeed(Members, {
  page: (index) =>
    Effect.succeed(
      index < 3
        ? Array.from({ length: 4 }, (_, i) => {
            const id = index * 4 + i
            return { id, mail: `member${id}@example.org`, name: `Member ${id}` }
          })
        : [],
    ),
})

/** The source adapter: one chunk of rows per page. */
const members = Stream.paginateChunkEffect(0, (index: number) =>
  Effect.flatMap(Members, (api) => api.page(index)).pipe(
    Effect.map(
      (page) =>
        [
          Chunk.fromIterable(
            page.map((m) =>
              SourceRow.make({
                position: `member ${m.id}`,
                fields: { key: `M${m.id}`, email: m.mail, name: m.name },
              }),
            ),
          ),
          page.length > 0 ? Option.some(index + 1) : Option.none(),
        ] as const,
    ),
  ),
)

const program = Effect.gen(function* () {
  const csv = yield* Config.string("CONSUMER_CSV")
  const listId = yield* Config.string("MAINBRAINER_LIST_ID")
  const mapping = Mapping.make({
    listId,
    key: "key",
    fields: { email: "email" },
    properties: { "First Name": "name" },
  })
  const report = yield* Sync.run({
    name: "consumer",
    source: Stream.merge(CsvSource.fromFile(csv), members),
    mapping,
  }).pipe(Effect.retry(Schedule.exponential("200 millis").pipe(Schedule.intersect(Schedule.recurs(3)))))
  yield* Console.log(SyncReport.summary(report))
})

program.pipe(Effect.provide(Layer.mergeAll(MembersLive, MainBrainer.layerConfig())), NodeRuntime.runMain)
