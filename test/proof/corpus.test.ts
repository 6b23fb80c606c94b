/**
 * The bad-input corpus: every folder under `corpus/<area>/` is one case (see support/corpusCase.ts),
 * run through the built command against the sandbox behind a recording front, or against a
 * scripted CRM; the exit code, the first line, what must and must not be printed, the requests
 * that reached the CRM and what it holds at the end are checked against the case's expectation.
 */
import { Effect } from "effect"
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { startSandbox, tempDir, type RunningSandbox } from "../../packages/cli/test/helpers.js"
import { brainsync, type Finished, firstLine } from "./support/command.js"
import * as CrmFront from "./support/crmFront.js"
import { type Case, discover, type Expected } from "./support/corpusCase.js"
import { postForgery } from "./support/forge.js"

const corpus = fileURLToPath(new URL("./corpus/", import.meta.url))
const cases = discover(corpus)
const TOKEN = `corpus-token-${process.pid}`

const DEFAULT_CSV = [
  "id,email,first_name,newsletter",
  ...Array.from({ length: 5 }, (_, i) => `K${i + 1},person${i + 1}@example.com,Name ${i + 1},yes`),
  "",
].join("\n")

const defaultConfig = (crmUrl: string, listId: string) => ({
  name: "corpus",
  crm: { baseUrl: crmUrl, listId },
  source: { kind: "csv", path: "contacts.csv" },
  key: "id",
  fields: { email: "email", emailOptIn: "newsletter" },
  properties: { "First Name": "first_name" },
})

const merged = (base: Record<string, unknown>, over: Record<string, unknown> = {}) => {
  const out: Record<string, unknown> = { ...base }
  for (const [name, value] of Object.entries(over))
    if (value === null) delete out[name]
    else out[name] = value
  return out
}

/** Copies the case's files into `dir`, placing the CRM's address and list in its JSON files. */
const prepare = (folder: string, dir: string, the: Case, crmUrl: string, listId: string) => {
  cpSync(folder, dir, { recursive: true })
  rmSync(join(dir, "case.json"))
  for (const file of readdirSync(dir).filter((name) => /\.jsonc?$/.test(name)))
    writeFileSync(
      join(dir, file),
      readFileSync(join(dir, file), "utf8")
        .replaceAll("{{CRM_URL}}", crmUrl)
        .replaceAll("{{LIST_ID}}", listId),
    )
  for (const [file, spec] of Object.entries(the.generate ?? {}))
    writeFileSync(join(dir, file), `${spec.head ?? ""}${spec.repeat.repeat(spec.times)}${spec.tail ?? ""}`)
  if (!existsSync(join(dir, "contacts.csv")) && the.generate?.["contacts.csv"] === undefined)
    writeFileSync(join(dir, "contacts.csv"), the.csv ?? DEFAULT_CSV)
  if (!existsSync(join(dir, "brainsync.json"))) {
    const results = the.webhook === true ? { results: { webhook: { listen: "127.0.0.1:0" } } } : {}
    const config = merged({ ...defaultConfig(crmUrl, listId), ...results }, the.config)
    writeFileSync(
      join(dir, "brainsync.json"),
      `${JSON.stringify(config, null, 2).replaceAll("{{CRM_URL}}", crmUrl).replaceAll("{{LIST_ID}}", listId)}\n`,
    )
  }
}

const check = (ran: Finished, expected: Expected, requests: number) => {
  const stream = expected.stream ?? "stderr"
  const all = `${ran.stdout}\n${ran.stderr}`
  const seen = `exit ${ran.code}; stdout: ${ran.stdout.slice(0, 600)}; stderr: ${ran.stderr.slice(0, 600)}`
  expect(ran.code, seen).toBe(expected.exit)
  expect(firstLine(ran[stream]), seen).toMatch(new RegExp(expected.firstLine))
  if (expected.oneLine === true) expect(ran.stderr.split("\n"), seen).toHaveLength(2)
  for (const pattern of expected.output ?? []) expect(all, seen).toMatch(new RegExp(pattern))
  for (const pattern of expected.notOutput ?? []) expect(all, seen).not.toMatch(new RegExp(pattern))
  expect(all, "a stack trace").not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/)
  expect(all, "the token").not.toContain(TOKEN)
  if (expected.crmRequests !== undefined)
    expect(requests, "requests that reached the CRM").toBe(expected.crmRequests)
  if (expected.crmRequestsBetween !== undefined) {
    expect(requests).toBeGreaterThanOrEqual(expected.crmRequestsBetween[0])
    expect(requests).toBeLessThanOrEqual(expected.crmRequestsBetween[1])
  }
}

/** A contactId sent to the CRM is always a positive int64. */
const expectPositiveContactIds = (sent: ReadonlyArray<CrmFront.Sent>) => {
  for (const request of sent)
    for (const contact of request.body.createUpdateContacts)
      if (contact["contactId"] !== undefined && contact["contactId"] !== null)
        expect(BigInt(String(contact["contactId"])), "a contactId sent to the CRM").toBeGreaterThan(0n)
}

/** Each contact's First Name is its own row's (by email) in `csv`, and the victim kept its own. */
const expectConsistent = async (sandbox: RunningSandbox, csv: string, victim: string | undefined) => {
  const nameOf = new Map(
    csv
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(","))
      .map((cells) => [cells[1]!, cells[2]!] as const),
  )
  const stored = await Effect.runPromise(sandbox.service.contacts(sandbox.listId))
  for (const contact of stored) {
    const name = contact.properties.find((p) => p.propertyName === "First Name")?.propertyValue
    if (contact.contactId === victim) expect(name).toBe("Victim")
    else if (contact.email !== null && nameOf.has(contact.email))
      expect(`${contact.email}: ${name}`).toBe(`${contact.email}: ${nameOf.get(contact.email)}`)
  }
}

const contactsBesides = async (sandbox: RunningSandbox, victim: string | undefined) =>
  (await Effect.runPromise(sandbox.service.contacts(sandbox.listId))).filter((c) => c.contactId !== victim)
    .length

/** A contact of someone else, already in the CRM: the contactId a forged report hands every row. */
const seedVictim = async (sandbox: RunningSandbox): Promise<string> => {
  const response = await fetch(`${sandbox.url}/contacts/batch`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      listId: sandbox.listId,
      createUpdateContacts: [
        {
          email: "victim@example.org",
          propertyFields: [{ propertyName: "First Name", propertyValue: "Victim" }],
        },
      ],
    }),
  })
  expect(response.status).toBe(202)
  await Effect.runPromise(sandbox.service.awaitIdle)
  const [victim] = await Effect.runPromise(sandbox.service.contacts(sandbox.listId))
  return victim!.contactId
}

describe(`the bad-input corpus (${cases.length} cases)`, () => {
  it("holds at least 60 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60)
  })

  describe.concurrent.each(cases)("$name", ({ folder, case: the }) => {
    it(the.about, async () => {
      const sandbox =
        the.crm === undefined
          ? await startSandbox({ tokens: [TOKEN], processingDelay: the.forge === undefined ? 20 : 1500 })
          : undefined
      const front = await CrmFront.start(
        sandbox === undefined ? { script: the.crm ?? [] } : { upstream: sandbox.url },
      )
      try {
        const listId = sandbox?.listId ?? "9fc6ad7d-902a-4834-b161-a4911b883d44"
        const victim =
          the.forge !== undefined && sandbox !== undefined ? await seedVictim(sandbox) : undefined
        const forged: Array<Promise<number>> = []
        if (the.forge !== undefined && victim !== undefined) {
          const forgery = the.forge
          front.onAccepted = (sent) =>
            forged.push(
              new Promise((resolve) => setTimeout(resolve, 100)).then(() =>
                postForgery(forgery, sent, { listId, victim }),
              ),
            )
        }
        const dir = tempDir()
        prepare(folder, dir, the, front.url, listId)
        const token = { good: TOKEN, wrong: "not-the-token", none: undefined }[the.token ?? "good"]
        const options = { cwd: dir, env: { ...the.env, MAINBRAINER_TOKEN: token } }
        const args = the.args ?? ["sync", "-c", "brainsync.json"]

        const ran = await brainsync(args, options)
        check(ran, the.expect, front.sent.length)
        expectPositiveContactIds(front.sent)
        if (the.forge !== undefined) {
          const statuses = await Promise.all(forged)
          expect(statuses.length, "forged reports posted").toBeGreaterThan(0)
          if (the.expect.forgedRefused === true)
            for (const status of statuses)
              expect(status, "the receiver's answer to a forgery").toBeGreaterThanOrEqual(400)
          for (const status of statuses) expect(status).toBeLessThan(500)
        }
        if (sandbox !== undefined) await Effect.runPromise(sandbox.service.awaitIdle)
        if (the.expect.contacts !== undefined && sandbox !== undefined)
          expect(await contactsBesides(sandbox, victim), "contacts in the CRM").toBe(the.expect.contacts)
        if (sandbox !== undefined && the.forge !== undefined)
          await expectConsistent(sandbox, readFileSync(join(dir, "contacts.csv"), "utf8"), victim)

        if (the.thenCsv !== undefined && sandbox !== undefined) {
          front.onAccepted = undefined
          writeFileSync(join(dir, "contacts.csv"), the.thenCsv)
          const before = front.sent.length
          const again = await brainsync(args, options)
          expectPositiveContactIds(front.sent)
          check(
            again,
            the.expectThen ?? { exit: 0, stream: "stdout", firstLine: "^progress: " },
            front.sent.length - before,
          )
          await Effect.runPromise(sandbox.service.awaitIdle)
          await expectConsistent(sandbox, the.thenCsv, victim)
        }
      } finally {
        await front.close()
        await sandbox?.close()
      }
    })
  })
})
