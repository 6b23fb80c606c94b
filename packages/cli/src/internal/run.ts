/**
 * One sync run as the command runs it: the configured source, sink, results and ledger wired
 * into `Sync.run`, the progress display and the rejects file fed from its events, then the
 * summary, the JSON report and the exit code. Shared by `sync`, `retry` and `demo`.
 */
import {
  ContactSink,
  DryRun,
  Ledger,
  type Mapping,
  type SourceRow,
  Sync,
  SyncError,
  type SyncEvent,
  SyncReport,
} from "@brainsync/core"
import { Effect, Option, type Redacted, Schedule, Scope, Stream } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import type * as SyncConfig from "../SyncConfig.js"
import * as Exit from "./exit.js"
import * as Format from "./format.js"
import * as Lazy from "./lazy.js"
import * as Progress from "./progress.js"
import * as Rejects from "./rejects.js"
import * as Summary from "./summary.js"

export interface Settings {
  readonly config: SyncConfig.SyncConfig
  readonly name: string
  readonly baseUrl: string
  readonly token: Redacted.Redacted<string> | undefined
  readonly mapping: Mapping.Mapping
  readonly rows: Stream.Stream<SourceRow.SourceRow, SourceRow.SourceError>
  /** What runs the sync with the options made here; default `Sync.run` over `rows`. */
  readonly start?:
    | ((
        options: SyncOptions,
      ) => Effect.Effect<SyncReport.SyncReport, SyncError.SyncError, ContactSink.ContactSink>)
    | undefined
  readonly fraction?: (() => number) | undefined
  readonly mode: Sync.Mode
  readonly dryRun: boolean
  readonly display: Progress.Mode
  readonly reportPath?: string | undefined
  readonly rejectsPath?: string | undefined
  readonly maxRejectRate?: number | undefined
  /** Sync options beyond the configuration's (the demo's quicker flush). */
  readonly tuning?: Partial<Pick<Sync.Options<never, never>, "flushAfter" | "resultsTimeout">> | undefined
}

export type SyncOptions = Omit<Sync.Options<never, never>, "source">

export interface Outcome {
  readonly report: SyncReport.SyncReport
  readonly code: number
  /** Why the code is not 0, in one line. */
  readonly message: string | undefined
  readonly elapsedMillis: number
  readonly sent: number
}

const stdout = {
  write: (text: string) => void process.stdout.write(text),
  get columns() {
    return process.stdout.columns
  },
}

/** `tty` on a terminal, plain lines otherwise, JSON lines with `--json`. */
export const displayMode = (json: boolean): Progress.Mode =>
  json ? "json" : process.stdout.isTTY === true ? "tty" : "lines"

const codeOf = (error: SyncError.SyncError): number =>
  error.reason === "Unauthorized" || error.reason === "NotAcceptable"
    ? Exit.REFUSED
    : error.reason === "InvalidConfig"
      ? Exit.USAGE
      : Exit.ROWS_FAILED

/** Writes never fail the run silently: they are told, and the run ends 1. */
const writeText = (path: string, text: string): string | undefined => {
  try {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, text)
    return undefined
  } catch (error) {
    return `cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`
  }
}

export const run = (settings: Settings): Effect.Effect<Outcome, Exit.CliFailure> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { config } = settings
      const style = Format.styleFor(process.stdout)
      const scope = yield* Effect.scope
      const startedAt = Date.now()
      const display = Progress.make({
        mode: settings.display,
        out: stdout,
        style,
        name: settings.name,
        fraction: settings.fraction,
        dryRun: settings.dryRun,
      })
      const rejects =
        settings.rejectsPath === undefined ? undefined : Rejects.make(settings.rejectsPath, config.key)
      let writeProblem: string | undefined
      const onEvent = (event: SyncEvent.SyncEvent) =>
        Effect.suspend(() => {
          display.onEvent(event)
          if (rejects === undefined) return Effect.void
          return rejects.onEvent(event).pipe(
            Scope.extend(scope),
            Effect.catchAll((error) => Effect.sync(() => (writeProblem ??= error.message))),
          )
        })
      const rows =
        rejects === undefined
          ? settings.rows
          : settings.rows.pipe(
              Stream.mapChunks((chunk) => {
                rejects.remember(chunk)
                return chunk
              }),
            )

      const options: SyncOptions = {
        name: settings.name,
        mapping: settings.mapping,
        batchSize: config.batchSize,
        concurrency: config.concurrency,
        requestsPerSecond: config.requestsPerSecond,
        mode: settings.mode,
        onEvent,
        ...settings.tuning,
      }
      let preview: DryRun.Preview | undefined
      const sync = settings.dryRun
        ? Effect.map(DryRun.run({ ...options, source: rows }), (found) => {
            preview = found
            return found.report
          })
        : settings.start === undefined
          ? Sync.run({ ...options, source: rows })
          : settings.start(options)

      const ledger = yield* Ledger.optional
      const withLedger = Option.match(ledger, {
        onNone: () => sync,
        onSome: (service) => Effect.provideService(sync, Ledger.Ledger, service),
      })
      const results = config.results
      const withResults =
        settings.dryRun || results === undefined || results === "none"
          ? withLedger
          : Effect.provide(
              withLedger,
              Lazy.layer(
                () => import("@brainsync/adapters-http/WebhookReceiver"),
                (WebhookReceiver) =>
                  WebhookReceiver.layer({
                    host: hostOf(results.webhook.listen),
                    port: Number(results.webhook.listen.slice(results.webhook.listen.lastIndexOf(":") + 1)),
                    publicUrl: results.webhook.publicUrl,
                  }),
              ),
            )
      // A dry run brings its own sink (it sends nothing); the memory sink only completes the type.
      const withSink = settings.dryRun
        ? Effect.provide(withResults, ContactSink.layerMemory)
        : Effect.provide(
            withResults,
            Lazy.layer(
              () => import("@brainsync/adapters-http/MainBrainer"),
              (MainBrainer) =>
                MainBrainer.layer({
                  baseUrl: settings.baseUrl,
                  // Checked by the caller: only a dry run goes without a token.
                  token: settings.token!,
                  requestsPerSecond: config.requestsPerSecond,
                  timeout:
                    config.crm.timeoutSeconds === undefined
                      ? undefined
                      : `${config.crm.timeoutSeconds} seconds`,
                  allowInsecureToken: config.crm.allowInsecureToken,
                }),
            ),
          )

      const ticker = yield* Effect.forkScoped(
        Effect.repeat(
          Effect.sync(display.tick),
          Schedule.spaced(settings.display === "tty" ? "100 millis" : "500 millis"),
        ),
      )
      const result = yield* Effect.either(withSink).pipe(
        // Ctrl-C: show where the run got to. The ledger holds only accepted batches, so the next run resends the rest.
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            if (settings.display === "json") return
            display.finish()
            stdout.write(
              Summary.render(display.counts(), {
                style,
                elapsedMillis: Date.now() - startedAt,
                files: [],
                dryRun: settings.dryRun,
              }) + "  Interrupted: rows in batches the CRM had not accepted will be sent by the next run.\n",
            )
          }),
        ),
      )
      yield* ticker.interruptAsFork(ticker.id())

      let report: SyncReport.SyncReport
      let code: number = Exit.OK
      let message: string | undefined
      if (result._tag === "Right") report = result.right
      else {
        const error = result.left
        switch (error._tag) {
          case "SyncError":
            report = error.report ?? display.counts()
            code = codeOf(error)
            message =
              error.reason === "Unauthorized"
                ? `the CRM refused the token (401): ${error.message}`
                : error.reason === "NotAcceptable"
                  ? `the CRM refused the request (406): ${error.message}`
                  : error.message
            break
          case "SinkConfigError":
          case "WebhookReceiverError":
            return yield* Exit.usage(error.message)
        }
      }
      if (code === Exit.OK && report.failed > 0) {
        code = Exit.ROWS_FAILED
        message = `${report.failed} row${report.failed === 1 ? "" : "s"} could not be delivered (kept as dead letters${config.state === undefined ? "" : "; brainsync retry sends them again"})`
      }
      const limit = settings.maxRejectRate
      if (
        code === Exit.OK &&
        limit !== undefined &&
        report.read > 0 &&
        report.rejected / report.read > limit
      ) {
        code = Exit.ROWS_FAILED
        message = `${percent(report.rejected / report.read)} of the rows were rejected, more than the allowed ${percent(limit)}`
      }

      const elapsedMillis = Date.now() - startedAt
      const files: Array<Summary.File> = []
      if (rejects !== undefined) {
        yield* rejects.close.pipe(
          Scope.extend(scope),
          Effect.catchAll((error) => Effect.sync(() => (writeProblem ??= error.message))),
        )
        files.push({ label: "rejects", path: rejects.path })
      }
      if (settings.reportPath !== undefined) {
        const problem = writeText(
          settings.reportPath,
          `${JSON.stringify(
            {
              ...report,
              dryRun: settings.dryRun,
              mode: settings.mode,
              startedAt: new Date(startedAt).toISOString(),
              elapsedMillis,
              exitCode: code,
            },
            null,
            2,
          )}\n`,
        )
        if (problem === undefined) files.push({ label: "report", path: settings.reportPath })
        else writeProblem ??= problem
      }
      if (writeProblem !== undefined && code === Exit.OK) {
        code = Exit.ROWS_FAILED
        message = writeProblem
      }

      display.finish()
      if (settings.display === "json") {
        const { rejectedRows: _r, failedRows: _f, ...counts } = report
        stdout.write(
          `${JSON.stringify({ _tag: "Summary", exitCode: code, message, elapsedMillis, files, dryRun: settings.dryRun, report: counts, ...(preview && { preview: { insert: preview.insert, update: preview.update, differences: preview.differences } }) })}\n`,
        )
      } else
        stdout.write(
          Summary.render(report, { style, elapsedMillis, files, dryRun: settings.dryRun, preview }),
        )
      return { report, code, message, elapsedMillis, sent: display.sent() }
    }),
  )

const percent = (ratio: number) => `${(ratio * 100).toFixed(1).replace(/\.0$/, "")}%`

const hostOf = (listen: string) => {
  const host = listen.slice(0, listen.lastIndexOf(":"))
  return host.startsWith("[") ? host.slice(1, -1) : host
}
