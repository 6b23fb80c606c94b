/**
 * What a user gets from the registry: every package packed with `pnpm pack`, the tarballs installed
 * with npm into a new project outside the workspace, and there a program of the user's own
 * (consumer/app.ts) type-checked under several compiler settings, run with plain node against the
 * sandbox (started from its installed package), and the installed `brainsync` command run.
 * The install needs the npm registry (effect and the other dependencies); run by
 * `pnpm test:package`, which CI runs after `pnpm test`.
 */
import { spawn } from "node:child_process"
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runProcess } from "../../packages/cli/test/helpers.js"

const root = fileURLToPath(new URL("../../", import.meta.url))
const tsc = join(root, "node_modules/typescript/bin/tsc")
const packages = ["core", "adapters-csv", "adapters-http", "adapters-sql", "sandbox", "cli"]
const listId = "9fc6ad7d-902a-4834-b161-a4911b883d44"
const token = "consumer-token"

/** Runs a command to its end without blocking this process (an install takes minutes; vitest's worker must stay responsive). */
const exec = (command: string, args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}) =>
  runProcess(command, args, { cwd, env: { NO_COLOR: "1", ...env } })

/** `exec`, which must succeed: its standard output. */
const sh = async (command: string, args: ReadonlyArray<string>, cwd: string) => {
  const ran = await exec(command, args, cwd)
  if (ran.code !== 0)
    throw new Error(
      `${command} ${args.join(" ")} (in ${cwd}) exited ${ran.code}:\n${ran.stdout}\n${ran.stderr}`,
    )
  return ran.stdout
}

let project: string
let sandbox: { readonly url: string; readonly stop: () => void }

/** The sandbox from the installed @brainsync/sandbox, through the installed command, on a free port. */
const startSandbox = (cwd: string) =>
  new Promise<typeof sandbox>((resolve, reject) => {
    const child = spawn(
      join(cwd, "node_modules/.bin/brainsync"),
      ["sandbox", "--port", "0", "--rate-limit", "0", "--processing-delay", "10", "--token", token],
      { cwd, stdio: ["ignore", "pipe", "pipe"] },
    )
    let out = ""
    child.stdout.on("data", (piece) => {
      out += String(piece)
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
      if (url !== undefined) resolve({ url, stop: () => child.kill("SIGTERM") })
    })
    child.stderr.on("data", (piece) => (out += String(piece)))
    child.on("exit", (code) => reject(new Error(`the sandbox exited ${code}: ${out}`)))
  })

interface StoredContact {
  readonly email: string | null
  readonly properties: ReadonlyArray<{ readonly propertyName: string; readonly propertyValue: string }>
}

/** The sandbox's contacts, once `expected` of them are stored (batches are applied after the 202). */
const contactsWhenStored = async (expected: number): Promise<ReadonlyArray<StoredContact>> => {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${sandbox.url}/sandbox/contacts?limit=1000&listId=${listId}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const { contacts } = (await response.json()) as { contacts: ReadonlyArray<StoredContact> }
    if (contacts.length >= expected || attempt === 50) return contacts
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const firstName = (contact: StoredContact) =>
  contact.properties.find((property) => property.propertyName === "First Name")?.propertyValue

beforeAll(async () => {
  const work = mkdtempSync(join(tmpdir(), "brainsync-package-"))
  const tarballs = join(work, "tarballs")
  for (const name of packages)
    await sh("pnpm", ["pack", "--pack-destination", tarballs], join(root, "packages", name))
  project = join(work, "consumer")
  mkdirSync(project)
  const dependencies = Object.fromEntries(
    readdirSync(tarballs).map((file) => [
      `@brainsync/${file.replace(/^brainsync-(.*)-\d+\.\d+\.\d+\.tgz$/, "$1")}`,
      `file:${join(tarballs, file)}`,
    ]),
  )
  expect(Object.keys(dependencies).sort()).toEqual(packages.map((name) => `@brainsync/${name}`).sort())
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module", dependencies }, null, 2),
  )
  await sh("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], project)
  copyFileSync(join(root, "test/package/consumer/app.ts"), join(project, "app.ts"))
}, 900_000)

afterAll(() => sandbox?.stop())

describe("the packed packages, installed with npm outside the workspace", () => {
  it("install one copy of effect, and no tsx", async () => {
    const copies = new Set(
      (await sh("npm", ["ls", "effect", "--all", "--parseable"], project)).trim().split("\n"),
    )
    expect([...copies]).toEqual([join(project, "node_modules/effect")])
    expect(existsSync(join(project, "node_modules/tsx"))).toBe(false)
  })

  const settings = [
    { module: "nodenext", moduleResolution: "nodenext", strict: true },
    { module: "nodenext", moduleResolution: "nodenext", strict: false },
    { module: "preserve", moduleResolution: "bundler", strict: true },
    { module: "preserve", moduleResolution: "bundler", strict: false },
  ]
  for (const options of settings)
    it(`type-check a consumer program with moduleResolution ${options.moduleResolution}, strict ${options.strict}, skipLibCheck false, no @types`, async () => {
      expect(existsSync(join(project, "node_modules/@types"))).toBe(false)
      const config = `tsconfig.${options.moduleResolution}.${options.strict}.json`
      writeFileSync(
        join(project, config),
        JSON.stringify({
          compilerOptions: { ...options, target: "es2022", skipLibCheck: false, noEmit: true },
          files: ["app.ts"],
        }),
      )
      const result = await exec(process.execPath, [tsc, "-p", config], project)
      expect(result.stdout + result.stderr).toBe("")
      expect(result.code).toBe(0)
    })

  it("run the consumer program with plain node: its own source and a CSV synced into the sandbox", async () => {
    sandbox = await startSandbox(project)
    writeFileSync(
      join(project, "contacts.csv"),
      [
        "key,email,name",
        "C1,ada@example.com,Ada",
        "C2,grace@example.com,Grace",
        "C3,not-an-email,Bad",
        "",
      ].join("\n"),
    )
    rmSync(join(project, "out"), { recursive: true, force: true })
    const build = await exec(
      process.execPath,
      [tsc, "--module", "nodenext", "--target", "es2022", "--strict", "--outDir", "out", "app.ts"],
      project,
    )
    expect(build.stdout + build.stderr).toBe("")
    expect(build.code).toBe(0)
    const result = await exec(process.execPath, [join(project, "out/app.js")], project, {
      MAINBRAINER_BASE_URL: sandbox.url,
      MAINBRAINER_TOKEN: token,
      MAINBRAINER_LIST_ID: listId,
      CONSUMER_CSV: join(project, "contacts.csv"),
    })
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("consumer: 15 read · 14 accepted · 1 rejected")
    const contacts = await contactsWhenStored(14)
    const expected = [
      ["ada@example.com", "Ada"],
      ["grace@example.com", "Grace"],
      ...Array.from({ length: 12 }, (_, id) => [`member${id}@example.org`, `Member ${id}`]),
    ].sort()
    expect(contacts.map((contact) => [contact.email, firstName(contact)]).sort()).toEqual(expected)
  })

  it('run the installed brainsync command: --version, a sync with a state file twice, and init pointing "$schema" at the installed schema', async () => {
    const bin = join(project, "node_modules/.bin/brainsync")
    const version = await exec(bin, ["--version"], project)
    expect(version.stdout.trim()).toBe("0.1.0")
    expect(version.code).toBe(0)

    writeFileSync(
      join(project, "more.csv"),
      [
        "id,email,first_name",
        ...Array.from({ length: 20 }, (_, i) => `K${i},person${i}@example.net,Person ${i}`),
        "",
      ].join("\n"),
    )
    writeFileSync(
      join(project, "brainsync.json"),
      JSON.stringify({
        name: "installed",
        crm: { baseUrl: sandbox.url, listId },
        source: { kind: "csv", path: "more.csv" },
        key: "id",
        fields: { email: "email" },
        properties: { "First Name": "first_name" },
        state: "state.db",
      }),
    )
    const sync = () =>
      exec(bin, ["sync", "--config", "brainsync.json", "--json"], project, { MAINBRAINER_TOKEN: token })
    const first = await sync()
    expect(first.stderr).toBe("")
    expect(first.code).toBe(0)
    const summary = JSON.parse(first.stdout.trim().split("\n").at(-1)!) as {
      _tag: string
      report: { read: number; accepted: number }
    }
    expect(summary._tag).toBe("Summary")
    expect(summary.report).toMatchObject({ read: 20, accepted: 20 })
    const contacts = await contactsWhenStored(34)
    expect(
      contacts
        .filter((contact) => contact.email?.endsWith("@example.net"))
        .map(firstName)
        .sort(),
    ).toEqual(Array.from({ length: 20 }, (_, i) => `Person ${i}`).sort())
    const init = await exec(bin, ["init", "--csv", "more.csv", "--output", "config/brainsync.json"], project)
    expect(init.code).toBe(0)
    const written = readFileSync(join(project, "config/brainsync.json"), "utf8")
    expect(written).toContain('"$schema": "../node_modules/@brainsync/cli/dist/brainsync.schema.json"')
    expect(
      JSON.parse(
        readFileSync(join(project, "node_modules/@brainsync/cli/dist/brainsync.schema.json"), "utf8"),
      ).$schema,
    ).toBe("http://json-schema.org/draft-07/schema#")

    const second = await sync()
    expect(second.code).toBe(0)
    expect(JSON.parse(second.stdout.trim().split("\n").at(-1)!).report).toMatchObject({
      read: 20,
      unchanged: 20,
    })
  })
})
