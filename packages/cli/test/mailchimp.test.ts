/**
 * A Mailchimp-style export, in the variants it comes in (windows-1252 bytes with a `;` ending every
 * line as Excel writes it on Windows, UTF-8 with a byte order mark, a `;` ending the header),
 * through the real command: `init --csv` writes a configuration, and `sync` runs it as written
 * (no hand edits) against a sandbox whose catalogue has the export's properties.
 */
import { Fixtures } from "@brainsync/sandbox"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { root, run, type RunningSandbox, startSandbox, tempDir } from "./helpers.js"

const TOKEN = `mailchimp-token-${process.pid}`
const fixtures = join(root, "packages/cli/test/fixtures/mailchimp")
const variants = ["export-windows-1252.csv", "export-utf8-bom.csv", "export-trailing-delimiter.csv"] as const

/** The export's rows as its UTF-8 variant spells them, split by hand: what the CRM must end up holding. */
const expectedRows = readFileSync(join(fixtures, "export-trailing-delimiter.csv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => {
    const [email, first, last, phone, country, city, status, rating] = line.split(";") as Array<string>
    return {
      email: email!,
      first: first!,
      last: last!,
      phone: phone!,
      country: country!,
      city: city!,
      status: status!,
      rating: rating!,
    }
  })

/** The rows the export gets wrong, and the field each is rejected for. */
const invalid = new Map([
  ["marc.dupont.example.fr", "email"],
  ["pilar.sanchez@example.es", "phone"],
  ["", "key"],
])
const valid = expectedRows.filter((row) => !invalid.has(row.email))

const callingCodes: Record<string, number> = {
  US: 1,
  DE: 49,
  ES: 34,
  FR: 33,
  DK: 45,
  NO: 47,
  PT: 351,
  SE: 46,
  GB: 44,
  IT: 39,
  CH: 41,
}

/** An account that has the export's properties: the default catalogue, plus Status and Member Rating. */
const withProperties = (...names: ReadonlyArray<string>): Fixtures.Fixtures => ({
  lists: Fixtures.defaults.lists,
  properties: [
    ...Fixtures.defaults.properties,
    ...names.map((propertyName, i) => ({
      propertyId: `00000000-0000-4000-8000-00000000000${i + 1}`,
      propertyName,
    })),
  ],
})

const init = async (variant: string) => {
  const dir = tempDir()
  const config = join(dir, "brainsync.json")
  const result = await run(["init", "--csv", join(fixtures, variant), "--output", config])
  return { dir, config, result }
}

const sync = (config: string, crm: RunningSandbox, ...args: ReadonlyArray<string>) =>
  run(["sync", "--config", config, "--base-url", crm.url, ...args], { env: { MAINBRAINER_TOKEN: TOKEN } })

describe("a Mailchimp-style export, init then sync with no hand edits", () => {
  let crm: RunningSandbox
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN], fixtures: withProperties("Status", "Member Rating") })
  })
  afterAll(() => crm.close())
  beforeEach(() => Effect.runPromise(crm.service.reset))

  for (const variant of variants)
    it(`${variant}: every valid row reaches the CRM with its accents, email and mobile; the invalid ones are rejected naming their field`, async () => {
      const { dir, config, result } = await init(variant)
      expect(result.code).toBe(0)
      expect(result.stdout.split("\n")[0]).toBe(
        `Wrote ${config}: key "Email Address", email ← Email Address, phone ← Phone Number, phoneCountry ← Country; 6 properties.`,
      )
      const written = readFileSync(config, "utf8")
      expect(written.includes('"encoding": "windows-1252"')).toBe(variant === "export-windows-1252.csv")

      const rejects = join(dir, "rejects.csv")
      const synced = await sync(config, crm, "--rejects", rejects)
      expect(synced.stderr.split("\n")[0]).toBe(
        variant === "export-utf8-bom.csv"
          ? ""
          : `brainsync: warning: ${join(fixtures, variant)}: line 1: the header ends with an empty column name (a trailing delimiter); ignored, with the empty cells that end the rows`,
      )
      expect(synced.code).toBe(0)
      expect(synced.stdout.split("\n")[0]).toMatch(/40 read/)
      expect(synced.stdout).toMatch(/rows read\s+40/)
      expect(synced.stdout).toMatch(/rejected\s+3/)
      expect(synced.stdout).toMatch(/inserted\s+37/)

      await Effect.runPromise(crm.service.awaitIdle)
      const stored = await Effect.runPromise(crm.service.contacts(crm.listId))
      expect(stored).toHaveLength(valid.length)
      const byEmail = new Map(stored.map((contact) => [contact.email, contact]))
      for (const row of valid) {
        const contact = byEmail.get(row.email)
        expect(contact, row.email).toBeDefined()
        const properties = Object.fromEntries(
          contact!.properties.map((property) => [property.propertyName, property.propertyValue]),
        )
        expect(properties).toMatchObject({
          "First Name": row.first,
          "Last Name": row.last,
          City: row.city,
          Status: row.status,
          "Member Rating": row.rating,
        })
        if (row.phone === "") expect(contact!.mobileNumber).toBeNull()
        else
          expect([contact!.mobileCountryCode, contact!.mobileNumber]).toEqual([
            callingCodes[row.country],
            Number(row.phone.replace(/\D/g, "").replace(/^0/, "")),
          ])
      }
      // The accents as they are, in every variant (the windows-1252 one has œ, which ISO-8859-1 lacks).
      expect(byEmail.get("maelle.loeuillet@example.fr")?.properties).toContainEqual(
        expect.objectContaining({ propertyName: "Last Name", propertyValue: "Lœuillet" }),
      )
      expect(byEmail.get("zoe.muller@example.de")).toMatchObject({
        mobileCountryCode: 49,
        mobileNumber: 15123456789,
      })

      const rejected = readFileSync(rejects, "utf8").trim().split("\n").slice(1)
      expect(rejected).toHaveLength(invalid.size)
      for (const [email, field] of invalid)
        expect(rejected.find((line) => new RegExp(`,"?${field}:`).test(line))).toContain(
          email === "" ? "Nyström" : email,
        )
    })

  it("stops with exit 2 when the CRM does not know a property of the export (Status), saying what to do", async () => {
    const lacking = await startSandbox({ tokens: [TOKEN], fixtures: withProperties("Member Rating") })
    try {
      const { config, result } = await init("export-utf8-bom.csv")
      expect(result.code).toBe(0)
      const synced = await sync(config, lacking)
      expect(synced.code).toBe(2)
      const first = synced.stderr.split("\n")[0]!
      expect(first).toMatch(/^brainsync: .*Status/)
      expect(first).toContain("create it in the CRM or remove it from the mapping")
    } finally {
      await lacking.close()
    }
  })
})
