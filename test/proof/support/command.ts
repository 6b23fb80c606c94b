/**
 * The `brainsync` bin as a child process (the way an operator runs it), with its peak memory read
 * from the process itself at exit (`process.resourceUsage().maxRSS`, through an `--import` hook).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { bin, root } from "../../../packages/cli/test/helpers.js"

export { bin, root }

const reportPeak = `--import=data:text/javascript,${encodeURIComponent(
  'process.on("exit", () => process.stderr.write(`\\nproof-maxrss ${process.resourceUsage().maxRSS}\\n`))',
)}`

export interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** Peak resident memory in MB; undefined when the process was killed. */
  readonly peakMB: number | undefined
}

export interface Started {
  readonly child: ChildProcess
  /** Output so far. */
  readonly output: () => { readonly stdout: string; readonly stderr: string }
  readonly done: Promise<Finished>
}

export interface StartOptions {
  readonly cwd?: string
  readonly env?: Record<string, string | undefined>
  readonly input?: string
  /** Called with each piece of standard output as it arrives. */
  readonly onStdout?: (piece: string, all: string) => void
}

/** Starts `brainsync <args>` without colours; the peak-memory line is taken off its standard error. */
export const start = (args: ReadonlyArray<string>, options: StartOptions = {}): Started => {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...options.env }
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name]
  const child = spawn(process.execPath, ["--max-semi-space-size=32", reportPeak, bin, ...args], {
    cwd: options.cwd ?? root,
    env,
    stdio: "pipe",
  })
  let stdout = ""
  let stderr = ""
  child.stdout!.on("data", (piece) => {
    stdout += String(piece)
    options.onStdout?.(String(piece), stdout)
  })
  child.stderr!.on("data", (piece) => (stderr += String(piece)))
  child.stdin!.on("error", () => undefined)
  child.stdin!.end(options.input ?? "")
  const done = new Promise<Finished>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code, signal) => {
      const peak = /\n?proof-maxrss (\d+)\n$/.exec(stderr)
      resolve({
        code,
        signal,
        stdout,
        stderr: peak === null ? stderr : stderr.slice(0, peak.index),
        peakMB: peak === null ? undefined : Number(peak[1]) / 1024,
      })
    })
  })
  return { child, output: () => ({ stdout, stderr }), done }
}

/** Runs `brainsync <args>` to its end. */
export const brainsync = (args: ReadonlyArray<string>, options: StartOptions = {}): Promise<Finished> =>
  start(args, options).done

export const firstLine = (text: string): string => text.split("\n")[0] ?? ""
