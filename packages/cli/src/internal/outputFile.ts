/**
 * A file the command writes at the end of a run (`--report`, `--rejects`), checked before anything
 * is sent: a run whose report cannot be written would otherwise be found out only after its rows
 * went to the CRM. The check makes the file's folder, and opens the file for appending (a file it
 * made is removed again), so it meets the permissions the write will meet.
 */
import { Effect } from "effect"
import { closeSync, existsSync, mkdirSync, openSync, statSync, unlinkSync } from "node:fs"
import { dirname } from "node:path"
import * as Exit from "./exit.js"
import { reasonOf } from "./inputFile.js"

/** Fails with a usage error (exit 2) naming `option` when `path` cannot be written. */
export const check = (option: string, path: string): Effect.Effect<void, Exit.CliFailure> =>
  Effect.try({
    try: () => {
      const existed = existsSync(path)
      if (existed && statSync(path).isDirectory())
        throw Object.assign(new Error("a folder"), { code: "EISDIR" })
      mkdirSync(dirname(path), { recursive: true })
      closeSync(openSync(path, "a"))
      if (!existed) unlinkSync(path)
    },
    catch: (error) => {
      const code = (error as NodeJS.ErrnoException).code
      const fix =
        code === "EISDIR"
          ? "; give a file's path"
          : code === "EACCES" || code === "EPERM"
            ? "; give a path the user running brainsync may write"
            : ""
      return Exit.usage(`${option}: cannot write ${path}: ${reasonOf(error)}${fix}; nothing was sent`)
    },
  })
