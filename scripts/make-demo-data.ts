/**
 * Writes examples/contacts.csv (3,000 realistic contacts with a few bad rows) and
 * examples/contacts-changed.csv (the same export a day later: some rows edited, a few added),
 * deterministically, for the demo and the examples. `pnpm exec tsx scripts/make-demo-data.ts`
 */
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const ROWS = 3000
// mulberry32: a small PRNG whose low digits are not periodic (an LCG's are, which made phones repeat).
let seed = 20261126
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!

const firstNames = [
  "Ada",
  "Björn",
  "Chloé",
  "Dmitri",
  "Émile",
  "Fatima",
  "Grace",
  "Hiroshi",
  "Inès",
  "José",
  "Kai",
  "Léa",
  "Mateo",
  "Nadia",
  "Oskar",
  "Priya",
  "Quentin",
  "Rosa",
  "Søren",
  "Tomás",
  "Uma",
  "Valentina",
  "Wei",
  "Yusuf",
  "Zoë",
]
const lastNames = [
  "Andersen",
  "Brown",
  "Castillo",
  "Dubois",
  "Eriksson",
  "Fischer",
  "García",
  "Hoffmann",
  "Ivanova",
  "Jansen",
  "Kowalski",
  "López",
  "Müller",
  "Nakamura",
  "O'Brien",
  "Petrov",
  "Rossi",
  "Schäfer",
  "Tanaka",
  "Urbano",
  "Virtanen",
  "Weber",
  "Yamamoto",
  "Zieliński",
]
const companies = [
  "Acme Corp",
  "Globex",
  "Initech",
  "Umbrella, Inc.",
  "Stark Industries",
  "Wayne Enterprises",
  "Hooli",
  "Pied Piper",
  "Vandelay Industries",
  'Soylent "Green" Co',
]
// Each row's number is unique (the row index times a prime, modulo the digits available) and valid
// for libphonenumber: the CRM matches contacts by mobile, so shared numbers would merge people.
const places: ReadonlyArray<readonly [string, string, (unique: string) => string]> = [
  ["Berlin", "DE", (n) => `+49 151 ${n.slice(0, 4)}${n.slice(4)}`],
  ["Paris", "FR", (n) => `+33 6 ${n.slice(0, 2)} ${n.slice(2, 4)} ${n.slice(4, 6)} ${n.slice(6)}`],
  ["London", "GB", (n) => `+44 7400 ${n.slice(2)}`],
  ["New York", "US", (n) => `(212) 555-${n.slice(4)}`],
  ["Madrid", "ES", (n) => `+34 612 ${n.slice(2, 5)} ${n.slice(5)}`],
  ["Tokyo", "JP", (n) => `+81 90-${n.slice(0, 4)}-${n.slice(4)}`],
]
const uniqueDigits = (index: number) => String((index * 7919) % 100_000_000).padStart(8, "0")
const quote = (cell: string) => (/[",\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)

type Row = Record<(typeof header)[number], string>
const header = [
  "external_id",
  "first_name",
  "last_name",
  "email",
  "phone",
  "newsletter",
  "sms_opt_in",
  "company",
  "city",
  "country",
] as const

const rows: Array<Row> = []
for (let i = 1; i <= ROWS; i++) {
  const first = pick(firstNames)
  const last = pick(lastNames)
  const [city, country, phone] = pick(places)
  const local = `${first}.${last}`
    .normalize("NFD")
    .replace(/[^A-Za-z.]/g, "")
    .toLowerCase()
  rows.push({
    external_id: `C-${String(i).padStart(6, "0")}`,
    first_name: first,
    last_name: last,
    email: random() < 0.97 ? `${local}${i}@example.com` : "",
    phone: random() < 0.7 ? phone(uniqueDigits(i)) : "",
    newsletter: pick(["yes", "no", "Y", "N", "true", "false", ""]),
    sms_opt_in: pick(["1", "0", ""]),
    company: pick(companies),
    city,
    country,
  })
}
// Rows a real export contains that must end rejected, each for its own reason.
const bad: Array<[number, Partial<Row>]> = [
  [17, { email: "not-an-email" }],
  [230, { email: "", phone: "" }],
  [481, { phone: "+1 555", email: "" }],
  [902, { newsletter: "maybe" }],
  [1404, { email: "jane@@example.com" }],
  [2222, { email: "", phone: "12" }],
]
for (const [index, patch] of bad) Object.assign(rows[index]!, patch)
// The same person exported twice: the later row wins.
rows.push({ ...rows[99]!, company: "Globex (moved)" })

const render = (all: ReadonlyArray<Row>, extraLines: ReadonlyArray<string> = []) =>
  [
    header.join(","),
    ...all.map((row) => header.map((column) => quote(row[column])).join(",")),
    ...extraLines,
  ].join("\r\n") + "\r\n"

// A line with a field too many: a malformed record, reported with its line number.
const malformed = [`C-009999,Broken,Row,broken@example.com,,yes,1,Acme Corp,Berlin,DE,EXTRA`]
const examples = fileURLToPath(new URL("../examples/", import.meta.url))
writeFileSync(`${examples}contacts.csv`, render(rows, malformed))

// A day later: 2% of contacts changed company or newsletter choice, 25 new contacts.
const changed = rows.map((row) => ({ ...row }))
for (let i = 0; i < changed.length; i += 50) {
  const row = changed[i]!
  if (i % 100 === 0) row.company = `${row.company} (renamed)`
  else row.newsletter = row.newsletter === "yes" ? "no" : "yes"
}
for (let i = 1; i <= 25; i++) {
  changed.push({
    ...changed[i]!,
    external_id: `C-1${String(i).padStart(5, "0")}`,
    email: `new.contact${i}@example.com`,
    phone: "",
  })
}
writeFileSync(`${examples}contacts-changed.csv`, render(changed, malformed))
console.log(`wrote ${examples}contacts.csv and contacts-changed.csv`)
