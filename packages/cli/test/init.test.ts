/**
 * `brainsync init` through the real command: what it writes, what it says on its output and why,
 * and the same configuration read by `brainsync sync` as it is.
 */
import { Effect } from "effect"
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { jsonSchema } from "../src/SyncConfig.js"
import { schemaReference } from "../src/internal/initTemplate.js"
import { parse } from "../src/internal/jsonc.js"
import { root, run, runHere, type RunningSandbox, startSandbox, tempDir } from "./helpers.js"

const TOKEN = `init-token-${process.pid}`

/** The configuration `init` wrote, parsed. */
const written = (path: string) => {
  const parsed = parse(readFileSync(path, "utf8"))
  if (!parsed.ok) throw new Error(parsed.message)
  return parsed.value as {
    readonly source: Record<string, unknown>
    readonly key: string
    readonly fields: Record<string, string>
    readonly properties: Record<string, string>
  }
}

/** Writes `content` (text as UTF-8, or bytes) into a new folder; returns the file and where init writes. */
const exportFile = (name: string, content: string | Uint8Array) => {
  const dir = tempDir()
  const csv = join(dir, name)
  writeFileSync(csv, content)
  return { dir, csv, config: join(dir, "brainsync.json") }
}

const firstLine = (text: string) => text.split("\n")[0]

describe("brainsync init", () => {
  it("init writes a commented configuration from a CSV header that sync reads as it is; it will not overwrite one", async () => {
    const dir = tempDir()
    const output = join(dir, "brainsync.json")
    const result = await run(["init", "--csv", "examples/contacts.csv", "--output", output])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('key "external_id"')
    const text = readFileSync(output, "utf8")
    expect(text).toMatch(/^\/\/ brainsync configuration/)
    expect(text).toContain('"email": "email"')
    expect(text).toContain('"First Name": "first_name"')
    const dry = await runHere(["sync", "-c", output, "--dry-run", "--json"])
    expect(dry.code).toBe(0)
    const summary = JSON.parse(dry.stdout.trim().split("\n").at(-1)!) as { report: Record<string, number> }
    expect(summary.report).toMatchObject({ read: 3002, failed: 0 })
    expect(existsSync(join(dir, ".brainsync/contacts.db"))).toBe(true)
    const again = await runHere(["init", "--csv", "examples/contacts.csv", "--output", output])
    expect(again).toMatchObject({ code: 2 })
    expect(again.stderr).toContain("--force")
  })

  it('init writes "$schema" first, the relative path of the JSON Schema the build ships with the command', async () => {
    for (const folder of ["", "configs/nested"]) {
      const dir = join(tempDir(), folder)
      mkdirSync(dir, { recursive: true })
      const output = join(dir, "brainsync.json")
      const result = await run(["init", "--csv", "examples/contacts.csv", "--output", output])
      expect(result).toMatchObject({ code: 0, stderr: "" })
      const text = readFileSync(output, "utf8")
      expect(text).toMatch(/\{\n {2}\/\/ [^\n]*editors complete and check this file[^\n]*\n {2}"\$schema": "/)
      const parsed = parse(text)
      if (!parsed.ok) throw new Error(parsed.message)
      const config = parsed.value as Record<string, unknown>
      expect(Object.keys(config)[0]).toBe("$schema")
      const path = config.$schema as string
      expect(path).toMatch(/^\.{1,2}\//)
      expect(path).not.toContain("\\")
      const schemaFile = resolve(dirname(output), path)
      expect(schemaFile).toBe(join(root, "packages/cli/dist/brainsync.schema.json"))
      expect(existsSync(schemaFile)).toBe(true)
      const schema = JSON.parse(readFileSync(schemaFile, "utf8")) as Record<string, unknown>
      expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#")
      expect(schema).toEqual(jsonSchema)
    }
  })

  it("init's \"$schema\" is relative to the written file's folder, ./ or ../, with forward slashes", () => {
    const schema = join(root, "packages/cli/dist/brainsync.schema.json")
    expect(schemaReference(join(root, "packages/cli"), schema)).toBe("./dist/brainsync.schema.json")
    expect(schemaReference(join(root, "packages/cli/dist"), schema)).toBe("./brainsync.schema.json")
    expect(schemaReference(join(root, "examples"), schema)).toBe("../packages/cli/dist/brainsync.schema.json")
    expect(schemaReference(join(root, "examples/a/b"), schema)).toBe(
      "../../../packages/cli/dist/brainsync.schema.json",
    )
  })

  it("init's \"$schema\" goes through the project's node_modules/@brainsync/cli when that is this package (a path that survives upgrades)", () => {
    const schema = join(root, "packages/cli/dist/brainsync.schema.json")
    const project = tempDir()
    mkdirSync(join(project, "node_modules/@brainsync"), { recursive: true })
    symlinkSync(join(root, "packages/cli"), join(project, "node_modules/@brainsync/cli"))
    expect(schemaReference(join(project, "config"), schema)).toBe(
      "../node_modules/@brainsync/cli/dist/brainsync.schema.json",
    )
    // Another copy of the package there is not the schema this command ships: the file itself is named.
    rmSync(join(project, "node_modules/@brainsync/cli"))
    mkdirSync(join(project, "node_modules/@brainsync/cli/dist"), { recursive: true })
    writeFileSync(join(project, "node_modules/@brainsync/cli/dist/brainsync.schema.json"), "{}")
    expect(schemaReference(project, schema)).toBe(relative(project, schema))
  })

  it("makes an email column the contact's email always, and the key too when no column looks like an id; it says why", async () => {
    const { csv, config } = exportFile(
      "export.csv",
      "Email Address,First Name,Phone Number,Status\nanne@example.com,Anne,+33 6 12 34 56 78,subscribed\n",
    )
    const result = await run(["init", "--csv", csv, "--output", config])
    expect(result).toMatchObject({ code: 0, stderr: "" })
    expect(firstLine(result.stdout)).toBe(
      `Wrote ${config}: key "Email Address", email ← Email Address, phone ← Phone Number; 2 properties.`,
    )
    expect(result.stdout).toContain(
      '  key          ← "Email Address": no column looks like an id (id, external_id, customer_id, …): the email identifies a row',
    )
    expect(result.stdout).toContain('  email        ← "Email Address": its name says so')
    const chosen = written(config)
    expect(chosen.key).toBe("Email Address")
    expect(chosen.fields).toEqual({ email: "Email Address", phone: "Phone Number" })
    expect(chosen.properties).toEqual({ "First Name": "First Name", Status: "Status" })
  })

  it("takes a column named like an id as the key only when its first values are filled and distinct", async () => {
    const rows = (ids: ReadonlyArray<string>) =>
      ["Member ID,E-mail,Name", ...ids.map((id, i) => `${id},p${i}@example.com,P ${i}`)].join("\n") + "\n"
    const distinct = exportFile("distinct.csv", rows(["M1", "M2", "M3"]))
    expect((await run(["init", "--csv", distinct.csv, "--output", distinct.config])).code).toBe(0)
    expect(written(distinct.config)).toMatchObject({ key: "Member ID", fields: { email: "E-mail" } })
    const repeated = exportFile("repeated.csv", rows(["M1", "M1", ""]))
    const result = await run(["init", "--csv", repeated.csv, "--output", repeated.config])
    expect(firstLine(result.stdout)).toBe(
      `Wrote ${repeated.config}: key "E-mail", email ← E-mail; 2 properties.`,
    )
    expect(written(repeated.config)).toMatchObject({
      key: "E-mail",
      fields: { email: "E-mail" },
      properties: { "Member ID": "Member ID", Name: "Name" },
    })
  })

  it("maps a column of ISO country codes to fields.phoneCountry (it stays a property), not one of country names", async () => {
    const codes = exportFile(
      "codes.csv",
      "email,phone,Country\na@x.io,06 12 34 56 78,FR\nb@x.io,0151 23456789,de\n",
    )
    const result = await run(["init", "--csv", codes.csv, "--output", codes.config])
    expect(firstLine(result.stdout)).toBe(
      `Wrote ${codes.config}: key "email", email ← email, phone ← phone, phoneCountry ← Country; 1 properties.`,
    )
    expect(result.stdout).toContain(
      '  phoneCountry ← "Country": its first values are ISO country codes (FR, de): national phone numbers are read in each row\'s country',
    )
    expect(written(codes.config)).toMatchObject({
      fields: { email: "email", phone: "phone", phoneCountry: "Country" },
      properties: { Country: "Country" },
    })
    const names = exportFile("names.csv", "email,phone,Country\na@x.io,06 12 34 56 78,France\n")
    await run(["init", "--csv", names.csv, "--output", names.config])
    expect(written(names.config).fields).toEqual({ email: "email", phone: "phone" })
  })

  it("detects the encoding and writes it: windows-1252 bytes (where UTF-8 breaks and what they look like), a UTF-16 byte order mark", async () => {
    const text = "email;name\r\nanne@example.com;Anne\r\nzoe@example.com;Zoë Lœb\r\n"
    const cp1252 = exportFile(
      "cp1252.csv",
      Uint8Array.from(
        [...Buffer.from(text.replace("œ", "?"), "latin1")].map((byte) => (byte === 0x3f ? 0x9c : byte)),
      ),
    )
    const result = await run(["init", "--csv", cp1252.csv, "--output", cp1252.config])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(
      `  encoding     windows-1252: detected, the bytes at line 3 of ${cp1252.csv} are not UTF-8; they look like windows-1252 text: "zoe@example.com;Zoë Lœb"`,
    )
    expect(written(cp1252.config).source).toMatchObject({ encoding: "windows-1252" })
    const dry = await run(["sync", "--config", cp1252.config, "--dry-run", "--json"])
    expect(dry.code).toBe(0)
    // Read with it, no row has bytes it cannot decode (the accents reach the CRM: mailchimp.test.ts).
    const summary = JSON.parse(dry.stdout.trim().split("\n").at(-1)!) as { report: Record<string, number> }
    expect(summary.report).toMatchObject({ read: 2, rejected: 0 })

    const utf16 = exportFile("utf16.csv", new Uint8Array(Buffer.from("\uFEFF" + text, "utf16le")))
    const detected = await run(["init", "--csv", utf16.csv, "--output", utf16.config])
    expect(detected.stdout).toContain(
      `  encoding     utf-16le: detected, ${utf16.csv} starts with a UTF-16LE byte order mark`,
    )
    expect(written(utf16.config).source).toMatchObject({ encoding: "utf-16le" })

    const bom = exportFile("bom.csv", "\uFEFF" + text)
    const plain = await run(["init", "--csv", bom.csv, "--output", bom.config])
    expect(plain.stdout).toContain(
      "  encoding     utf-8: detected, UTF-8 with a byte order mark (as Excel writes it); nothing to set",
    )
    expect(written(bom.config).source).not.toHaveProperty("encoding")
  })

  it("stops with exit 2 on a file in an encoding brainsync cannot read, saying what it looks like", async () => {
    const sjis = [0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea] // 日本語
    const { csv, config } = exportFile(
      "sjis.csv",
      Uint8Array.from([
        ...Buffer.from("email,name\n"),
        ...Array.from({ length: 20 }, (_, i) => [...Buffer.from(`p${i}@x.io,`), ...sjis, 0x0a]).flat(),
      ]),
    )
    const result = await run(["init", "--csv", csv, "--output", config])
    expect(result.code).toBe(2)
    expect(firstLine(result.stderr)).toMatch(
      new RegExp(
        `^brainsync: the bytes at line 2 of ${csv} are not UTF-8; they look like Shift_JIS text: .*; brainsync reads utf-8, utf-16le, utf-16be, latin1, windows-1252: convert the file to UTF-8, or pass --encoding if it is in one of them$`,
      ),
    )
    expect(existsSync(config)).toBe(false)
  })

  it("takes --delimiter and --encoding over what it detects, and writes them into the configuration", async () => {
    const { csv, config } = exportFile(
      "pipes.csv",
      Buffer.from("email|name\nzoe@example.com|Zoë\n", "latin1"),
    )
    const result = await run([
      "init",
      "--csv",
      csv,
      "--output",
      config,
      "--delimiter",
      "|",
      "--encoding",
      "latin1",
    ])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("  encoding     latin1: given with --encoding")
    expect(result.stdout).toContain('  delimiter    "|": given with --delimiter')
    expect(written(config).source).toMatchObject({ delimiter: "|", encoding: "latin1" })
    const tabs = exportFile("tabs.csv", "email\tname\na@x.io\tAnn\n")
    expect((await run(["init", "--csv", tabs.csv, "--output", tabs.config, "--delimiter", "tab"])).code).toBe(
      0,
    )
    expect(written(tabs.config).source).toMatchObject({ delimiter: "\t" })
    const bad = await run([
      "init",
      "--csv",
      csv,
      "--output",
      join(dirname(csv), "bad.json"),
      "--delimiter",
      '"',
    ])
    expect(bad.code).toBe(2)
    expect(firstLine(bad.stderr)).toBe(
      `brainsync: ${csv}: the delimiter cannot be empty, hold the quote or a line break: """`,
    )
    const unknown = await run([
      "init",
      "--csv",
      csv,
      "--output",
      join(dirname(csv), "bad.json"),
      "--encoding",
      "ebcdic",
    ])
    expect(unknown.code).toBe(2)
    // The wrong delimiter: the header would be one column holding the real ones.
    const commas = exportFile("commas.csv", "id,email,name\n1,a@x.io,Ann\n")
    const wrong = await run(["init", "--csv", commas.csv, "--output", commas.config, "--delimiter", ";"])
    expect(wrong.code).toBe(2)
    expect(firstLine(wrong.stderr)).toBe(
      `brainsync: ${commas.csv}: the header reads as one column, "id,email,name" with the delimiter ";": give the file's delimiter with --delimiter`,
    )
  })
})

describe("a trailing delimiter and the encoding, through init and sync", () => {
  let crm: RunningSandbox
  beforeAll(async () => {
    crm = await startSandbox({ tokens: [TOKEN] })
  })
  afterAll(() => crm.close())

  it("a header ending with the delimiter: init and sync each warn once, naming the file, and read every row", async () => {
    const { csv, config } = exportFile(
      "trailing.csv",
      "email;First Name;\nanne@example.com;Anne;\nbob@example.com;Bob\n",
    )
    const warning = `brainsync: warning: ${csv}: line 1: the header ends with an empty column name (a trailing delimiter); ignored, with the empty cells that end the rows`
    const init = await run(["init", "--csv", csv, "--output", config])
    expect(init.code).toBe(0)
    expect(init.stderr).toBe(`${warning}\n`)
    expect(written(config).properties).toEqual({ "First Name": "First Name" })
    const sync = await run(["sync", "--config", config, "--base-url", crm.url, "--list-id", crm.listId], {
      env: { MAINBRAINER_TOKEN: TOKEN },
    })
    expect(sync.code).toBe(0)
    expect(sync.stderr).toBe(`${warning}\n`)
    expect(sync.stdout).toMatch(/rows read\s+2/)
    expect(sync.stdout).toMatch(/rejected\s+0/)
  })

  it("sync stops with exit 2 before sending anything when a CSV without source.encoding is not UTF-8", async () => {
    const before = (await Effect.runPromise(crm.service.stats)).requests.total
    const { csv } = exportFile(
      "latin1.csv",
      Buffer.from("email;name\nanne@example.com;Anne\nzoe@example.com;Zoë\n", "latin1"),
    )
    const config = join(dirname(csv), "hand-written.json")
    writeFileSync(
      config,
      JSON.stringify({
        name: "latin1",
        crm: { baseUrl: crm.url, listId: crm.listId },
        source: { kind: "csv", path: "latin1.csv" },
        key: "email",
        fields: { email: "email" },
      }),
    )
    const result = await run(["sync", "--config", config], { env: { MAINBRAINER_TOKEN: TOKEN } })
    expect(result.code).toBe(2)
    expect(firstLine(result.stderr)).toBe(
      `brainsync: source.encoding: the bytes at line 3 of ${csv} are not UTF-8; they look like ISO-8859-1 text: "zoe@example.com;Zoë"; set source.encoding to "windows-1252" (brainsync init writes it)`,
    )
    expect((await Effect.runPromise(crm.service.stats)).requests.total).toBe(before)

    const utf16 = exportFile("utf16.csv", new Uint8Array(Buffer.from("\uFEFFemail\na@x.io\n", "utf16le")))
    writeFileSync(
      config,
      JSON.stringify({
        ...JSON.parse(readFileSync(config, "utf8")),
        source: { kind: "csv", path: utf16.csv },
      }),
    )
    const bom = await run(["sync", "--config", config, "--dry-run"])
    expect(bom.code).toBe(2)
    expect(firstLine(bom.stderr)).toBe(
      `brainsync: source.encoding: ${utf16.csv} starts with a UTF-16LE byte order mark; set source.encoding to "utf-16le" (brainsync init writes it)`,
    )
  })
})
