/**
 * Runs the `brainsync` bin as a child process (the way a person runs it), and a sandbox CRM in
 * the test's own process on a free loopback port.
 */
import { Sandbox } from "@brainsync/sandbox"
import { Effect, Exit, Redacted, Scope } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const root = fileURLToPath(new URL("../../../", import.meta.url))
export const bin = join(root, "packages/cli/bin/brainsync.mjs")

export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  readonly env?: Record<string, string | undefined>
  readonly input?: string
  readonly cwd?: string
  /** Run as this user (the tests run as root here: an unprivileged user meets file permissions). */
  readonly user?: { readonly uid: number; readonly gid: number } | undefined
}

/** Runs `command <args>` as a child process, with `env` over this process's (`undefined` removes a variable), and collects its output. */
export const runProcess = (
  command: string,
  args: ReadonlyArray<string>,
  options: RunOptions = {},
): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, ...options.env }
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name]
    const child = spawn(command, args, { cwd: options.cwd ?? root, env, stdio: "pipe", ...options.user })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (piece) => (stdout += String(piece)))
    child.stderr.on("data", (piece) => (stderr += String(piece)))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.input ?? "")
  })

/** Runs `node <args>` as a child process (see `runProcess`). */
export const runNode = (args: ReadonlyArray<string>, options: RunOptions = {}): Promise<Ran> =>
  runProcess(process.execPath, args, options)

/** Runs the `brainsync` bin with `args`, without colours. */
export const run = (args: ReadonlyArray<string>, options: RunOptions = {}): Promise<Ran> =>
  runNode([bin, ...args], { ...options, env: { NO_COLOR: "1", ...options.env } })

export interface RunningSandbox {
  readonly url: string
  readonly listId: string
  readonly token: string
  readonly service: Sandbox.Service
  readonly close: () => Promise<void>
}

export const startSandbox = async (options: Sandbox.Options = {}): Promise<RunningSandbox> => {
  const scope = await Effect.runPromise(Scope.make())
  const service = await Effect.runPromise(
    Scope.extend(Sandbox.make({ processingDelay: 20, rateLimit: 0, ...options }), scope),
  )
  return {
    url: service.url,
    listId: service.listId,
    token: Redacted.value(service.token),
    service,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
  }
}

export const tempDir = () => mkdtempSync(join(tmpdir(), "brainsync-cli-test-"))

/** A small export: `good` rows with emails, then one with a bad email and one with no identity at all. */
export const writeCsv = (folder: string, good: number, name = "contacts.csv"): string => {
  const lines = ["id,email,first_name,newsletter"]
  for (let i = 1; i <= good; i++) lines.push(`K${i},person${i}@example.com,Name ${i},yes`)
  lines.push(`K${good + 1},not-an-email,Bad,yes`, `K${good + 2},,Nobody,no`)
  const path = join(folder, name)
  writeFileSync(path, `${lines.join("\n")}\n`)
  return path
}

export const writeConfig = (
  folder: string,
  fields: Record<string, unknown>,
  name = "brainsync.json",
): string => {
  const path = join(folder, name)
  writeFileSync(
    path,
    `// a test configuration\n${JSON.stringify(
      {
        name: "test-contacts",
        source: { kind: "csv", path: "contacts.csv" },
        key: "id",
        fields: { email: "email", emailOptIn: "newsletter" },
        properties: { "First Name": "first_name" },
        ...fields,
      },
      null,
      2,
    )}\n`,
  )
  return path
}

/** Every stdout line parsed as JSON (throws on a line that is not). */
export const jsonLines = (text: string): ReadonlyArray<{ readonly _tag: string } & Record<string, unknown>> =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as { readonly _tag: string } & Record<string, unknown>)

/** Runs the command in this process (for the cases that need no process of their own), capturing its output. */
export const runHere = async (args: ReadonlyArray<string>): Promise<Ran> => {
  const { Effect } = await import("effect")
  const { main } = await import("../src/Cli.js")
  let stdout = ""
  let stderr = ""
  const out = process.stdout.write
  const err = process.stderr.write
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof out
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof err
  try {
    const code = await Effect.runPromise(main(["node", "brainsync", ...args]))
    return { code, stdout, stderr }
  } finally {
    process.stdout.write = out
    process.stderr.write = err
  }
}
