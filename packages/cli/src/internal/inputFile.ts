/**
 * A file the command reads, checked before anything is sent: it exists, is a file (not a folder)
 * and this user may read it. Each problem is one line naming the setting and the file (exit 2).
 */
import { Effect } from "effect"
import { closeSync, openSync, statSync } from "node:fs"
import * as Exit from "./exit.js"

/** The error's reason as a person reads it: `permission denied`, not `EACCES: permission denied, open '/x'`. */
export const reasonOf = (error: unknown): string => {
  const code = (error as NodeJS.ErrnoException).code
  switch (code) {
    case "ENOENT":
      return "no such file"
    case "EACCES":
    case "EPERM":
      return "permission denied"
    case "ENOTDIR":
    case "EEXIST": // from making a folder whose path holds a file
      return "a part of its path is a file, not a folder"
    case "EISDIR":
      return "it is a folder"
    case "EROFS":
      return "the file system is read-only"
    default:
      return error instanceof Error ? error.message : String(error)
  }
}

/** The size of the readable file at `path`; `setting` (`source.path`) and `what` (`CSV file`) name it in messages. */
export const size = (path: string, setting: string, what: string): Effect.Effect<number, Exit.CliFailure> =>
  Effect.try({
    try: () => {
      const stat = statSync(path)
      if (stat.isDirectory()) throw Object.assign(new Error("a folder"), { code: "EISDIR" })
      // Opened, not only looked at: the permission that counts is the one the read will meet.
      closeSync(openSync(path, "r"))
      return stat.size
    },
    catch: (error) => {
      const code = (error as NodeJS.ErrnoException).code
      const fix =
        code === "EISDIR"
          ? `; give the ${what} itself`
          : code === "EACCES" || code === "EPERM"
            ? "; give the user running brainsync read access to it"
            : ""
      return Exit.usage(`${setting}: cannot read the ${what} ${path}: ${reasonOf(error)}${fix}`)
    },
  })
