/** Test helpers: a sandbox in the test's scope, a tiny fetch client over real HTTP, and an in-memory database. */
import { BatchAccepted } from "@brainsync/core"
import { Reactivity } from "@effect/experimental"
import type { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer, Redacted, Schema, type Scope } from "effect"
import { Sandbox } from "../src/index.js"

/** A fresh in-memory SQLite database, for the storage modules' own tests. */
export const memoryDb: Layer.Layer<SqlClient.SqlClient> = SqliteClient.layer({ filename: ":memory:" }).pipe(
  Layer.provide(Reactivity.layer),
  Layer.orDie,
)

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: unknown
}

const toReply = async (response: Response): Promise<Reply> => {
  const text = await response.text()
  let json: unknown = undefined
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

export const start = (
  options: Sandbox.Options = {},
): Effect.Effect<
  Sandbox.Service & { readonly client: ReturnType<typeof client> },
  Sandbox.SandboxError,
  Scope.Scope
> =>
  Sandbox.make({ processingDelay: 0, rateLimit: 0, ...options }).pipe(
    Effect.map((sandbox) => ({ ...sandbox, client: client(sandbox) })),
  )

export const client = (sandbox: Sandbox.Service) => {
  const token = Redacted.value(sandbox.token)
  return {
    post: (body: unknown, headers: Record<string, string> = {}) =>
      Effect.promise(() =>
        fetch(`${sandbox.url}/contacts/batch`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
          body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
        }).then(toReply),
      ),
    /** GET with the sandbox's token unless `headers` replace it. */
    get: (path: string, headers: Record<string, string> = {}) =>
      Effect.promise(() =>
        fetch(`${sandbox.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } }).then(
          toReply,
        ),
      ),
    /** POST without a body, with the sandbox's token unless `headers` replace it. */
    postPath: (path: string, headers: Record<string, string> = {}) =>
      Effect.promise(() =>
        fetch(`${sandbox.url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, ...headers },
        }).then(toReply),
      ),
  }
}

/** The 202 body, decoded with core's schema (so a wrong shape fails the test). */
export const accepted = (reply: Reply): BatchAccepted.BatchAccepted => {
  if (reply.status !== 202) throw new Error(`expected 202, got ${reply.status}: ${reply.text}`)
  return Schema.decodeUnknownSync(BatchAccepted.BatchAccepted)(reply.json)
}
