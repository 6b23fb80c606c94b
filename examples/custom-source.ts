/**
 * A source adapter of your own: any `Stream` of `SourceRow`s is a source. Here the rows come
 * from a paginated client of some other system (an in-process stand-in for an SDK), read page by
 * page with `Stream.paginateChunkEffect`, so the pipeline gets whole pages (chunks) at a time.
 * The adapter is the six lines of `membersSource`.
 *
 *   pnpm brainsync sandbox                      # in another terminal: a local CRM on :4010
 *   MAINBRAINER_BASE_URL=http://127.0.0.1:4010 MAINBRAINER_TOKEN=sandbox-token pnpm exec tsx examples/custom-source.ts
 */
import { MainBrainer } from "@brainsync/adapters-http"
import { Mapping, SourceRow, Sync, SyncReport } from "@brainsync/core"
import { NodeRuntime } from "@effect/platform-node"
import { Chunk, Config, Console, Data, Effect, Option, Stream } from "effect"

/** The other system's client: `listMembers(page)` answers one page of 50 and whether there is more. */
interface Member {
  readonly memberNo: number
  readonly mail: string | null
  readonly dialCode: string
  readonly mobile: string
  readonly name: string
  readonly smsConsent: "Y" | "N"
}
const members: ReadonlyArray<Member> = Array.from({ length: 180 }, (_, i) => ({
  memberNo: 5000 + i,
  mail: i % 60 === 59 ? "n/a" : `member${i}@example.net`, // a few bad addresses: those rows are rejected
  dialCode: ["+44", "+33", "+49"][i % 3]!,
  mobile: String(7700900000 + i),
  name: `Member ${i}`,
  smsConsent: i % 4 === 0 ? "Y" : "N",
}))
class MembersApiError extends Data.TaggedError("MembersApiError")<{ readonly message: string }> {}
const listMembers = (page: number) =>
  Effect.succeed({
    items: members.slice(page * 50, page * 50 + 50),
    more: (page + 1) * 50 < members.length,
  }).pipe(
    Effect.delay("5 millis"),
    Effect.mapError((): MembersApiError => new MembersApiError({ message: "unreachable" })),
  )

/** The adapter: pages become chunks of rows; the position names the record so a person can find it. */
const membersSource: Stream.Stream<SourceRow.SourceRow, MembersApiError> = Stream.paginateChunkEffect(
  0,
  (page) =>
    Effect.map(listMembers(page), ({ items, more }) => [
      Chunk.fromIterable(
        items.map((m) => SourceRow.make({ position: `member ${m.memberNo}`, fields: { ...m } })),
      ),
      more ? Option.some(page + 1) : Option.none(),
    ]),
)

const program = Effect.gen(function* () {
  const listId = yield* Config.string("MAINBRAINER_LIST_ID").pipe(
    Config.withDefault("9fc6ad7d-902a-4834-b161-a4911b883d44"),
  )
  const mapping = Mapping.make({
    listId,
    key: "memberNo",
    fields: {
      email: "mail",
      mobileCountryCode: "dialCode",
      mobileNumber: "mobile",
      mobileOptIn: "smsConsent",
    },
    properties: { "First Name": "name" },
  })
  const report = yield* Sync.run({ name: "example-members", source: membersSource, mapping })
  yield* Console.log(SyncReport.summary(report))
  for (const row of report.rejectedRows)
    yield* Console.log(`  rejected ${row.position}: ${row.field}: ${row.reason}`)
})

program.pipe(
  Effect.provide(MainBrainer.layerConfig({ requestsPerSecond: Config.succeed(10) })),
  NodeRuntime.runMain,
)
