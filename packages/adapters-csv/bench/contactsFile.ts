/**
 * Writes a deterministic contacts CSV for the benchmark: quoted fields with delimiters and doubled
 * quotes, embedded newlines, multi-byte names. Same seed, same bytes.
 */
import { createWriteStream } from "node:fs"
import { once } from "node:events"

export const columns = [
  "external_id",
  "email",
  "first_name",
  "last_name",
  "company",
  "city",
  "country_code",
  "mobile",
  "newsletter",
  "created_at",
] as const

/** The mapping of the generated file's columns (country code and number in separate columns), as a configuration file writes it. */
export const mappingConfig = {
  listId: "9fc6ad7d-902a-4834-b161-a4911b883d44",
  key: "external_id",
  fields: {
    email: "email",
    mobileCountryCode: "country_code",
    mobileNumber: "mobile",
    emailOptIn: "newsletter",
  },
  properties: { "First Name": "first_name", "Last Name": "last_name", Company: "company", City: "city" },
}

const firstNames = [
  "Anna",
  "José",
  "Zoë",
  "Łukasz",
  "Ólafur",
  "Mia",
  "Noah",
  "Søren",
  "李",
  "Иван",
  "Chloé",
  "Mehmet",
]
const lastNames = [
  "Smith",
  "Müller",
  "O'Brien",
  "García",
  "Nguyễn",
  "Kowalski",
  "Jensen",
  "王",
  "Петров",
  "Dubois",
]
const companies = [
  "Acme",
  '"Acme, Inc."',
  '"The ""Best"" Bakery"',
  '"Northwind\nTraders"',
  "Globex Corporation",
  "Initech",
  '"Umbrella; Holdings"',
  "Stark Industries",
]
const cities = ["London", "Zürich", "São Paulo", "Kraków", "Reykjavík", "Dublin", "Tokyo", "Berlin"]

/** mulberry32: a tiny seeded generator, so every run writes the same file. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const createdAt = (next: () => number) =>
  new Date(Date.UTC(2020, 0, 1) + Math.floor(next() * 5 * 365 * 86_400) * 1000).toISOString()

export const write = async (path: string, rows: number, seed = 42): Promise<void> => {
  const next = random(seed)
  const pick = <A>(values: ReadonlyArray<A>): A => values[Math.floor(next() * values.length)] as A
  const out = createWriteStream(path)
  out.write(columns.join(",") + "\n")
  let buffer = ""
  for (let i = 1; i <= rows; i++) {
    const first = pick(firstNames)
    const last = pick(lastNames)
    const mobile = String(7_700_000_000 + Math.floor(next() * 99_999_999))
    buffer +=
      `ext-${String(i).padStart(8, "0")},contact.${i}@example-mail.com,${first},${last},${pick(companies)},` +
      `${pick(cities)},44,${mobile},${next() < 0.5 ? "true" : "false"},${createdAt(next)}\n`
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await once(out, "drain")
      buffer = ""
    }
  }
  out.end(buffer)
  await once(out, "finish")
}
