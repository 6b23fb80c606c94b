import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { BatchResults, ContactSink, DeadLetters, Ledger, Sync, type SyncEvent } from "../src/index.js"
import * as FakeCrm from "./fixtures/FakeCrm.js"
import { chunked, contactRows, mapping } from "./fixtures/rows.js"

const NAME = "lettered"
const target = Ledger.target(NAME, mapping.config.listId)

const into =
  (crm: ReturnType<typeof FakeCrm.make>, ledger: Ledger.Service) =>
  <A, E>(effect: Effect.Effect<A, E, ContactSink.ContactSink | Ledger.Ledger>) =>
    effect.pipe(
      Effect.provideService(ContactSink.ContactSink, crm.sink),
      Effect.provideService(BatchResults.BatchResults, crm.results),
      Effect.provideService(Ledger.Ledger, ledger),
    )

const retryOnce = { name: NAME, mapping, maxAttempts: 1, retryBaseDelay: "1 millis" } as const

/** A memory ledger after a first run of `n` rows into a CRM that answers every request with a 500. */
const withDeadLetters = (n: number) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.makeMemory
    const down = FakeCrm.make({ serverError: 1 })
    const first = yield* Sync.run({ ...retryOnce, source: chunked(contactRows(n)) }).pipe(into(down, ledger))
    return { ledger, first }
  })

describe("DeadLetters over any Ledger (here the memory one)", () => {
  it.live(
    "lists the rows that failed; a retry sends only them, keeps those that fail again and drops those accepted",
    () =>
      Effect.gen(function* () {
        const { ledger, first } = yield* withDeadLetters(150)
        expect(first.failed).toBe(150)
        const letters = yield* DeadLetters.list({ name: NAME, mapping }).pipe(
          Effect.provideService(Ledger.Ledger, ledger),
        )
        expect(letters.map((letter) => letter.key).sort()).toEqual(
          contactRows(150)
            .map((row) => String(row.fields.id))
            .sort(),
        )

        const still = yield* DeadLetters.retry(retryOnce).pipe(into(FakeCrm.make({ serverError: 1 }), ledger))
        expect([still.read, still.failed]).toEqual([150, 150])
        expect((yield* ledger.deadLetters(target)).length).toBe(150)

        const healthy = FakeCrm.make()
        const retried = yield* DeadLetters.retry(retryOnce).pipe(into(healthy, ledger))
        expect([retried.read, retried.inserted, retried.failed]).toEqual([150, 150, 0])
        expect(healthy.stats.sizes).toEqual([100, 50])
        expect(healthy.byEmail("c149@example.com")).toBeDefined()
        expect(yield* ledger.deadLetters(target)).toEqual([])

        const none = yield* DeadLetters.retry(retryOnce).pipe(into(healthy, ledger))
        expect([none.read, none.requests]).toEqual([0, 0])
        expect(healthy.stats.requests).toBe(2)
      }),
  )

  it.effect(
    "settles without sending a dead letter whose contact the ledger already has as accepted, and passes events on",
    () =>
      Effect.gen(function* () {
        const ledger = yield* Ledger.makeMemory
        const crm = FakeCrm.make()
        yield* Sync.run({ name: NAME, mapping, source: chunked(contactRows(3)) }).pipe(into(crm, ledger))
        const known = yield* ledger.acceptedContacts(target, ["k1"])
        yield* ledger.recordDeadLetters(target, [
          { key: "k1", position: "line 3", contact: known.get("k1")!, error: "500" },
        ])
        const requests = crm.stats.requests
        const seen: Array<SyncEvent.Tag> = []
        const report = yield* DeadLetters.retry({
          name: NAME,
          mapping,
          onEvent: (event) => Effect.sync(() => void seen.push(event._tag)),
        }).pipe(into(crm, ledger))
        expect([report.read, report.unchanged, report.requests]).toEqual([1, 1, 0])
        expect(crm.stats.requests).toBe(requests)
        expect(yield* ledger.deadLetters(target)).toEqual([])
        expect(seen).toContain("RowsUnchanged")
      }),
  )
})
