import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { ApiError, ContactSink, Ledger, Mapping, SourceRow, Sync, SyncReport } from "../src/index.js"
import type { SyncEvent } from "../src/index.js"
import * as FakeCrm from "./fixtures/FakeCrm.js"
import { chunked, contactRows, LIST } from "./fixtures/rows.js"

const fast = { retryBaseDelay: "1 millis", retryMaxDelay: "5 millis", flushAfter: "50 millis" } as const

const withStatus = Mapping.make({
  listId: LIST,
  key: "id",
  fields: { email: "email" },
  properties: { "First Name": "first", Status: "status" },
})

const statusRows = (n: number) =>
  contactRows(n, (i) => ({ id: `k${i}`, email: `c${i}@example.com`, first: `F${i}`, status: "subscribed" }))

/** A sync of `rows` into a fake CRM, with the memory ledger, collecting events. */
const syncInto = (
  crm: ReturnType<typeof FakeCrm.make>,
  ledger: Ledger.Service,
  options: Partial<Sync.Options<never, never>> & { readonly rows: ReadonlyArray<SourceRow.SourceRow> },
) =>
  Effect.gen(function* () {
    const events: Array<SyncEvent.SyncEvent> = []
    const { rows, ...rest } = options
    const result = yield* Sync.run({
      name: "loss",
      source: chunked(rows, 100),
      mapping: withStatus,
      ...fast,
      ...rest,
      onEvent: (event) => Effect.sync(() => events.push(event)),
    }).pipe(
      Effect.provideService(ContactSink.ContactSink, crm.sink),
      Effect.provideService(Ledger.Ledger, ledger),
      Effect.either,
    )
    return { result, events }
  })

/** Rows with exactly these fields (contactRows adds every column the shared mappings name). */
const bare = (fields: ReadonlyArray<Record<string, unknown>>) =>
  fields.map((row, i) => SourceRow.make({ position: `line ${i + 2}`, fields: row }))

const reportOf = (
  result: Either.Either<SyncReport.SyncReport, { readonly report?: SyncReport.SyncReport | undefined }>,
) => (Either.isRight(result) ? result.right : result.left.report!)

describe("a mapped column the source does not have", () => {
  it.effect(
    "stops the run before anything is sent, naming the column, the columns there are and the closest",
    () =>
      Effect.gen(function* () {
        const crm = FakeCrm.make()
        const mapping = Mapping.make({ listId: LIST, key: "id", fields: { email: "E-mail" } })
        const rows = bare(
          Array.from({ length: 10 }, (_, i) => ({ id: `k${i}`, "Email Address": `c${i}@example.com` })),
        )
        const result = yield* Sync.run({ name: "cols", source: chunked(rows), mapping }).pipe(
          Effect.provideService(ContactSink.ContactSink, crm.sink),
          Effect.flip,
        )
        expect(result.reason).toBe("InvalidConfig")
        expect(result.message).toContain(
          `fields.email names the column "E-mail", which the source does not have`,
        )
        expect(result.message).toContain(`its columns: "id", "Email Address"`)
        expect(result.message).toContain(`did you mean "Email Address"?`)
        expect(crm.stats.requests).toBe(0)
        expect(result.report?.read).toBe(0)
      }),
  )

  it.effect("a run refused for its configuration is not recorded in the ledger's history", () =>
    Effect.gen(function* () {
      const ledger = yield* Ledger.makeMemory
      const mapping = Mapping.make({ listId: LIST, key: "id", fields: { email: "E-mail" } })
      const refused = yield* Sync.run({
        name: "cols",
        source: chunked(bare([{ id: "1", email: "a@b.co" }])),
        mapping,
      }).pipe(
        Effect.provideService(ContactSink.ContactSink, FakeCrm.make().sink),
        Effect.provideService(Ledger.Ledger, ledger),
        Effect.flip,
      )
      expect(refused.reason).toBe("InvalidConfig")
      expect(yield* ledger.runs(Ledger.target("cols", LIST), 10)).toEqual([])
    }),
  )

  it("suggests nothing when no column is close", () => {
    const mapping = Mapping.make({ listId: LIST, key: "id", fields: { email: "email", mobileNumber: "cc" } })
    const [problem] = Mapping.missingColumns(mapping, bare([{ id: "1", email: "a@b.co" }]))
    expect(problem).toBe(
      `fields.mobileNumber names the column "cc", which the source does not have (its columns: "id", "email")`,
    )
  })

  it("reaches nested fields of JSON rows by dotted path, and checks them", () => {
    const mapping = Mapping.make({
      listId: LIST,
      key: "id",
      fields: { email: "contact.email" },
      properties: { City: "address.city" },
    })
    const rows = [
      SourceRow.make({
        position: "item 1",
        fields: { id: 7, contact: { email: "n@x.io" }, address: { city: "Nîmes" } },
      }),
    ]
    expect(Mapping.missingColumns(mapping, rows)).toEqual([])
    expect(mapping.map(rows[0]!)).toMatchObject({
      _tag: "Mapped",
      contact: { email: "n@x.io", propertyFields: [{ propertyName: "City", propertyValue: "Nîmes" }] },
    })
    const flat = [SourceRow.make({ position: "item 1", fields: { id: 7, contact: "n@x.io" } })]
    expect(Mapping.missingColumns(mapping, flat).map((problem) => problem.split(",")[0])).toEqual([
      `fields.email names the column "contact.email"`,
      `properties["City"] names the column "address.city"`,
    ])
  })
})

describe("properties and contactIds the CRM does not know", () => {
  it.effect(
    "stop the run after the batch that revealed them; its rows are warned, left out of the ledger, and every row is counted",
    () =>
      Effect.gen(function* () {
        const crm = FakeCrm.make({ knownProperties: new Set(["First Name"]) })
        const ledger = yield* Ledger.makeMemory
        const { result, events } = yield* syncInto(crm, ledger, { rows: statusRows(500), concurrency: 1 })
        expect(Either.isLeft(result) && result.left.reason).toBe("UnknownProperties")
        expect(Either.isLeft(result) && result.left.message).toContain(
          `the CRM does not know the property "Status" (their values were not stored): create it in the CRM or remove it from the mapping`,
        )
        const report = reportOf(result)
        expect(crm.stats.requests).toBe(1)
        expect(report.warned).toBe(100)
        expect(report.unknownProperties).toEqual(["Status"])
        expect(report.warnedRows[0]).toEqual({
          position: "line 2",
          key: "k0",
          field: "Status",
          reason: "the CRM does not know this property: the value was not stored",
        })
        expect(SyncReport.isComplete(report)).toBe(true)
        expect(SyncReport.isComplete(SyncReport.fold("loss", events))).toBe(true)
        const known = yield* ledger.lookup(Ledger.target("loss", LIST), ["k0", "k99"])
        expect(known.size).toBe(0)
      }),
  )

  it.effect(
    "are counted warnings when allowed; the rows are recorded, so the next run does not send them again",
    () =>
      Effect.gen(function* () {
        const crm = FakeCrm.make({ knownProperties: new Set(["First Name"]) })
        const ledger = yield* Ledger.makeMemory
        const first = yield* syncInto(crm, ledger, { rows: statusRows(250), allowUnknownProperties: true })
        const report = reportOf(first.result)
        expect(Either.isRight(first.result)).toBe(true)
        expect([report.accepted, report.warned, report.unknownProperties]).toEqual([250, 250, ["Status"]])
        const second = reportOf(
          (yield* syncInto(crm, ledger, { rows: statusRows(250), allowUnknownProperties: true })).result,
        )
        expect([second.unchanged, second.accepted]).toEqual([250, 0])
      }),
  )

  it.effect("an unknown contactId is a warning on its row, and does not stop the run", () =>
    Effect.gen(function* () {
      const crm = FakeCrm.make()
      const ledger = yield* Ledger.makeMemory
      const mapping = Mapping.make({ listId: LIST, key: "id", fields: { contactId: "crm", email: "email" } })
      const rows = contactRows(3, (i) => ({
        id: `k${i}`,
        email: `c${i}@example.com`,
        crm: i === 1 ? "987654" : "",
      }))
      const { result } = yield* syncInto(crm, ledger, { rows, mapping })
      const report = reportOf(result)
      expect(Either.isRight(result)).toBe(true)
      expect(report.warnedRows).toEqual([
        {
          position: "line 3",
          key: "k1",
          field: "contactId",
          reason: "the CRM does not know contactId 987654",
        },
      ])
      expect(report.unknownProperties).toEqual([])
    }),
  )
})

describe("the reject rate", () => {
  const halfBad = (n: number) =>
    contactRows(n, (i) => ({
      id: `k${i}`,
      email: i % 2 === 0 ? `c${i}@example.com` : "not an email",
      first: "",
      status: "",
    }))

  it.effect("stops a run whose rejected share passes maxRejectRate once rejectRateFrom rows were read", () =>
    Effect.gen(function* () {
      const crm = FakeCrm.make()
      const ledger = yield* Ledger.makeMemory
      const { result } = yield* syncInto(crm, ledger, {
        rows: halfBad(5000),
        maxRejectRate: 0.1,
        concurrency: 1,
      })
      expect(Either.isLeft(result) && result.left.reason).toBe("RejectRate")
      expect(Either.isLeft(result) && result.left.message).toContain(
        "50% of the 1000 rows read were rejected, more than the allowed 10% (the first, line 3: email is not an email address)",
      )
      const report = reportOf(result)
      expect(report.read).toBe(1000)
      expect(SyncReport.isComplete(report)).toBe(true)
    }),
  )

  it.effect("judges a run of fewer rows at its end; no limit without maxRejectRate", () =>
    Effect.gen(function* () {
      const crm = FakeCrm.make()
      const ledger = yield* Ledger.makeMemory
      const limited = yield* syncInto(crm, ledger, { rows: halfBad(20), maxRejectRate: 0.25 })
      expect(Either.isLeft(limited.result) && limited.result.left.reason).toBe("RejectRate")
      expect(reportOf(limited.result).read).toBe(20)
      const free = yield* syncInto(crm, yield* Ledger.makeMemory, { rows: halfBad(20) })
      expect(Either.isRight(free.result)).toBe(true)
    }),
  )
})

describe("identity as the CRM sees it", () => {
  it.effect(
    "a key that is the email column compares case-insensitively; other keys sharing an email are counted merged",
    () =>
      Effect.gen(function* () {
        const memory = yield* ContactSink.makeMemory
        const byEmail = Mapping.make({ listId: LIST, key: "email", fields: { email: "email" } })
        const emails = ["ANNE@example.com", " anne@example.com", "bob@example.com"]
        const rows = contactRows(3, (i) => ({ email: emails[i] }))
        const report = yield* Sync.run({ name: "id", source: chunked(rows), mapping: byEmail }).pipe(
          Effect.provideService(ContactSink.ContactSink, memory.service),
        )
        expect([report.superseded, report.accepted, report.merged]).toEqual([1, 2, 0])
        const byId = Mapping.make({ listId: LIST, key: "id", fields: { email: "email" } })
        const keyed = contactRows(3, (i) => ({ id: `k${i}`, email: emails[i] }))
        const merged = yield* Sync.run({ name: "id", source: chunked(keyed), mapping: byId }).pipe(
          Effect.provideService(ContactSink.ContactSink, memory.service),
        )
        expect([merged.accepted, merged.merged]).toEqual([3, 1])
      }),
  )
})

describe("per-row country for phones", () => {
  it("parses national numbers in the row's country, falls back to defaultCountry, and rejects an unknown country", () => {
    const mapping = Mapping.make({
      listId: LIST,
      key: "id",
      fields: { phone: "phone", phoneCountry: "country" },
      defaultCountry: "US",
    })
    const map = (fields: Record<string, string>) =>
      mapping.map(SourceRow.make({ position: "line 2", fields: { id: "1", ...fields } }))
    expect(map({ phone: "06 12 34 56 78", country: "fr" })).toMatchObject({
      contact: { mobileCountryCode: 33, mobileNumber: 612345678 },
    })
    expect(map({ phone: "0151 23456789", country: "DE" })).toMatchObject({
      contact: { mobileCountryCode: 49, mobileNumber: 15123456789 },
    })
    expect(map({ phone: "(201) 555-0123", country: "" })).toMatchObject({
      contact: { mobileCountryCode: 1, mobileNumber: 2015550123 },
    })
    expect(map({ phone: "06 12 34 56 78", country: "France" })).toMatchObject({
      _tag: "Rejection",
      field: "phoneCountry",
      reason: `"France" is not an ISO 3166 country code (like FR, DE, US)`,
    })
    // The row's country is read only for a national number: a cell the row does not need rejects nothing.
    const withEmail = Mapping.make({
      listId: LIST,
      key: "id",
      fields: { email: "email", phone: "phone", phoneCountry: "country" },
    })
    expect(
      withEmail.map(
        SourceRow.make({
          position: "line 3",
          fields: { id: "2", email: "e@x.io", phone: "", country: "UK" },
        }),
      ),
    ).toMatchObject({ _tag: "Mapped", contact: { email: "e@x.io" } })
    expect(map({ phone: "+44 7911 123456", country: "Great Britain" })).toMatchObject({
      contact: { mobileCountryCode: 44, mobileNumber: 7911123456 },
    })
    expect(
      Mapping.make({ listId: LIST, key: "id", fields: { email: "e", phoneCountry: "c" } }).problems,
    ).toEqual(["fields.phoneCountry needs fields.phone or fields.mobileNumber"])
  })
})

describe("a run that has nothing to send", () => {
  it.effect("puts its token to the CRM through the sink's verify: a refused token fails the run", () =>
    Effect.gen(function* () {
      const memory = yield* ContactSink.makeMemory
      let verified = 0
      const refusing: ContactSink.Service = {
        ...memory.service,
        verify: Effect.suspend(() => {
          verified++
          return Effect.fail(new ApiError.Unauthorized({ message: "the token is not valid" }))
        }),
      }
      const ledger = yield* Ledger.makeMemory
      const run = (sink: ContactSink.Service) =>
        Sync.run({ name: "token", source: chunked(statusRows(5)), mapping: withStatus }).pipe(
          Effect.provideService(ContactSink.ContactSink, sink),
          Effect.provideService(Ledger.Ledger, ledger),
          Effect.either,
        )
      // Rows to send: the requests put the token to the CRM, verify is not called.
      expect(Either.isRight(yield* run({ ...refusing, upsert: memory.service.upsert }))).toBe(true)
      expect(verified).toBe(0)
      // Every row unchanged: nothing sent, so the token is verified, and refused.
      const unchanged = yield* run(refusing)
      expect(verified).toBe(1)
      expect(Either.isLeft(unchanged) && [unchanged.left.reason, unchanged.left.report?.unchanged]).toEqual([
        "Unauthorized",
        5,
      ])
      expect(Either.isLeft(unchanged) && unchanged.left.message).toContain(
        "401 Unauthorized: the token is not valid (checked because the run had nothing to send)",
      )
    }),
  )
})
