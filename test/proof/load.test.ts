/**
 * The sandbox load test: the sandbox as a process of its own (`brainsync sandbox`), and 32 clients
 * on loopback each with one request in flight for `PROOF_LOAD_SECONDS` (default 60) — good batches
 * of unique contacts, and bad ones (malformed JSON, invalid UTF-8, an unknown list, over 1,000
 * contacts, a wrong token) — above the sandbox's rate limit, so that many answers are 429. Then
 * every accepted batch is applied exactly once (each of its contacts held once, with its values)
 * and no refused batch is applied at all.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { start } from "./support/command.js"
import { freePort } from "./support/tunnel.js"

const SECONDS = Number(process.env["PROOF_LOAD_SECONDS"] ?? 60)
const CLIENTS = 32
const TOKEN = `load-token-${process.pid}`
const LIST = "9fc6ad7d-902a-4834-b161-a4911b883d44"

type Kind = "good" | "malformed JSON" | "invalid UTF-8" | "unknown list" | "1,001 contacts" | "wrong token"
const badKinds: ReadonlyArray<Kind> = [
  "malformed JSON",
  "invalid UTF-8",
  "unknown list",
  "1,001 contacts",
  "wrong token",
]

interface Sent {
  readonly kind: Kind
  readonly emails: ReadonlyArray<string>
  readonly name: string
  /** The status, or undefined when no answer came. */
  readonly status: number | undefined
}

const contactsOf = (emails: ReadonlyArray<string>, name: string, listId: string) =>
  emails.map((email) => ({
    listId,
    email,
    emailOptIn: true,
    propertyFields: [{ propertyName: "First Name", propertyValue: name }],
  }))

const bodyOf = (kind: Kind, emails: ReadonlyArray<string>, name: string): Uint8Array | string => {
  const json = (listId: string, contacts: ReadonlyArray<string>) =>
    JSON.stringify({ listId, createUpdateContacts: contactsOf(contacts, name, listId) })
  switch (kind) {
    case "good":
    case "wrong token":
      return json(LIST, emails)
    case "malformed JSON":
      return json(LIST, emails).slice(0, -3)
    case "invalid UTF-8": {
      const text = Buffer.from(json(LIST, emails))
      const at = text.indexOf(Buffer.from(name))
      text[at] = 0xff // a byte that is never valid UTF-8, inside the first contact's name
      return text
    }
    case "unknown list":
      return json("00000000-0000-4000-8000-000000000000", emails)
    case "1,001 contacts":
      return json(
        LIST,
        Array.from({ length: 1001 }, (_, i) => `${emails[0]!.replace("@", `-${i}@`)}`),
      )
  }
}

const peakMB = (pid: number): number =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024

describe("the sandbox under load", () => {
  it(`${CLIENTS} clients for ${SECONDS} s, good and bad batches: every accepted batch applied exactly once, refused ones not at all`, async () => {
    const port = await freePort()
    const sandbox = start(
      [
        "sandbox",
        "--port",
        String(port),
        "--token",
        TOKEN,
        "--processing-delay",
        "20",
        "--rate-limit",
        "150",
      ],
      {},
    )
    const url = `http://127.0.0.1:${port}`
    const auth = { authorization: `Bearer ${TOKEN}` }
    try {
      for (let i = 0; ; i++) {
        const up = await fetch(`${url}/health`).then(
          (r) => r.ok,
          () => false,
        )
        if (up) break
        if (i > 200) throw new Error(`the sandbox did not start: ${sandbox.output().stderr}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const sent: Array<Sent> = []
      const until = Date.now() + SECONDS * 1000
      const client = async (id: number) => {
        for (let seq = 0; Date.now() < until; seq++) {
          const kind: Kind = seq % 4 === 3 ? badKinds[(id + seq) % badKinds.length]! : "good"
          const size = 1 + ((id * 7 + seq) % 20)
          const emails = Array.from({ length: size }, (_, j) => `c${id}-${seq}-${j}@load.example.com`)
          const name = `Client ${id} batch ${seq}`
          const headers = {
            "content-type": "application/json",
            authorization: `Bearer ${kind === "wrong token" ? "not-the-token" : TOKEN}`,
          }
          const status = await fetch(`${url}/contacts/batch`, {
            method: "POST",
            headers,
            body: bodyOf(kind, emails, name),
          }).then(
            async (response) => {
              await response.arrayBuffer()
              return response.status
            },
            () => undefined,
          )
          sent.push({ kind, emails: kind === "1,001 contacts" ? [] : emails, name, status })
        }
      }
      await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)))

      // Everything accepted is applied before the store is read.
      for (;;) {
        const stats = (await fetch(`${url}/sandbox/stats`, { headers: auth }).then((r) => r.json())) as {
          batches: { queued: number }
        }
        if (stats.batches.queued === 0) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const held = new Map<string, Array<string | undefined>>()
      for (let cursor: string | null = "0"; cursor !== null;) {
        const page = (await fetch(`${url}/sandbox/contacts?limit=1000&cursor=${cursor}`, {
          headers: auth,
        }).then((r) => r.json())) as {
          contacts: Array<{
            email: string
            properties: Array<{ propertyName: string; propertyValue: string }>
          }>
          nextCursor: string | null
        }
        for (const contact of page.contacts) {
          const names = held.get(contact.email) ?? []
          names.push(contact.properties.find((p) => p.propertyName === "First Name")?.propertyValue)
          held.set(contact.email, names)
        }
        cursor = page.nextCursor
      }
      const memory = peakMB(sandbox.child.pid!)

      const byStatus = new Map<string, number>()
      for (const s of sent)
        byStatus.set(
          `${s.kind} ${s.status ?? "no answer"}`,
          (byStatus.get(`${s.kind} ${s.status ?? "no answer"}`) ?? 0) + 1,
        )
      const accepted = sent.filter((s) => s.status === 202)
      const refused = sent.filter((s) => s.status !== undefined && s.status !== 202)
      const wrong = {
        acceptedNotOnce: accepted.flatMap((s) =>
          s.emails.filter((email) => held.get(email)?.length !== 1 || held.get(email)![0] !== s.name),
        ).length,
        refusedApplied: refused.flatMap((s) => s.emails.filter((email) => held.has(email))).length,
        badAccepted: sent.filter(
          (s) => s.kind !== "good" && s.status !== undefined && (s.status < 400 || s.status >= 500),
        ).length,
      }
      const acceptedContacts = accepted.reduce((n, s) => n + s.emails.length, 0)
      console.log(
        [
          `sandbox load: ${CLIENTS} clients for ${SECONDS} s, ${sent.length} requests (${(sent.length / SECONDS).toFixed(0)}/s), sandbox peak memory ${memory.toFixed(0)} MB`,
          `  ${[...byStatus]
            .sort()
            .map(([k, n]) => `${k}: ${n}`)
            .join(", ")}`,
          `  accepted ${accepted.length} batches (${acceptedContacts} contacts), the store holds ${held.size} contacts`,
          `  accepted contacts not held exactly once with their values: ${wrong.acceptedNotOnce}; contacts of refused batches held: ${wrong.refusedApplied}; bad batches not answered 4xx: ${wrong.badAccepted}`,
        ].join("\n"),
      )
      expect(accepted.length).toBeGreaterThan(0)
      expect(sent.filter((s) => s.status === 429).length, "the rate limit refused some").toBeGreaterThan(0)
      expect(wrong).toEqual({ acceptedNotOnce: 0, refusedApplied: 0, badAccepted: 0 })
      expect(held.size, "the store holds only accepted contacts").toBe(acceptedContacts)
    } finally {
      sandbox.child.kill("SIGTERM")
      await sandbox.done
    }
  }, 900_000)
})
