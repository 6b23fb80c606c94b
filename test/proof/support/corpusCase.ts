/**
 * A corpus case: a folder under `test/proof/corpus/<area>/` holding `case.json` (what to run and
 * what must come out) and the files the command reads (copied into a fresh folder; in `.json` and
 * `.jsonc` files `{{CRM_URL}}` and `{{LIST_ID}}` become the CRM's address and list).
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import type { Answer } from "./crmFront.js"

/** A file written before the run: `head`, then `repeat` written `times` times, then `tail`. */
export interface Generated {
  readonly head?: string
  readonly repeat: string
  readonly times: number
  readonly tail?: string
}

/** How a forged report differs from what the CRM would say about the batch it names. */
export type Forgery =
  | "wrongBatchId"
  | "wrongList"
  | "wrongCounts"
  | "repeatedIndices"
  | "indexOutOfRange"
  | "missingResults"
  | "oneContactIdForEveryRow"
  | "nonPositiveContactId"
  | "tallyIdsNotInResults"
  | "wrongPath"
  | "notJson"
  | "oversized"

export interface Expected {
  readonly exit: number
  /** Where `firstLine` is read (default stderr). */
  readonly stream?: "stderr" | "stdout"
  /** A regular expression the first line of `stream` matches. */
  readonly firstLine: string
  /** Standard error is that one line (plus its newline). */
  readonly oneLine?: boolean
  /** Regular expressions somewhere in standard output or error. */
  readonly output?: ReadonlyArray<string>
  /** Regular expressions found in neither. */
  readonly notOutput?: ReadonlyArray<string>
  /** `POST /contacts/batch` requests that reached the CRM (0: nothing was sent). */
  readonly crmRequests?: number
  /** The least and most such requests. */
  readonly crmRequestsBetween?: readonly [number, number]
  /** Contacts the CRM's list holds at the end (the victim of a forgery not counted). */
  readonly contacts?: number
  /** The receiver's answer to the forged report is a 4xx. */
  readonly forgedRefused?: boolean
}

export interface Case {
  readonly about: string
  /** Default `["sync", "-c", "brainsync.json"]`. */
  readonly args?: ReadonlyArray<string>
  /** Merged over the default configuration (a `null` field is removed); ignored when the folder has its own brainsync.json. */
  readonly config?: Record<string, unknown>
  /** Written as contacts.csv when the folder has none. */
  readonly csv?: string
  readonly generate?: Record<string, Generated>
  /** Environment variables set for the command (beside the token). */
  readonly env?: Record<string, string>
  /** `"good"` (default), `"wrong"` or `"none"`. */
  readonly token?: "good" | "wrong" | "none"
  /** Answers of a scripted CRM, in order (the last repeats); default the sandbox. */
  readonly crm?: ReadonlyArray<Answer>
  /** Results through the webhook receiver. */
  readonly webhook?: boolean
  /** A forged report posted to the receiver right after each 202 (the CRM's own comes later). */
  readonly forge?: Forgery
  /** A second run over this CSV after the first (each contact's First Name then checked against its row). */
  readonly thenCsv?: string
  readonly expect: Expected
  /** The second run's expectation. */
  readonly expectThen?: Expected
}

export interface Found {
  readonly name: string
  readonly folder: string
  readonly case: Case
}

/** Every case folder under `corpus`, sorted by name. */
export const discover = (corpus: string): ReadonlyArray<Found> =>
  readdirSync(corpus)
    .filter((area) => statSync(join(corpus, area)).isDirectory())
    .flatMap((area) =>
      readdirSync(join(corpus, area))
        .filter((name) => statSync(join(corpus, area, name)).isDirectory())
        .map((name) => {
          const folder = join(corpus, area, name)
          return {
            name: `${area}/${name}`,
            folder,
            case: JSON.parse(readFileSync(join(folder, "case.json"), "utf8")) as Case,
          }
        }),
    )
    .sort((a, b) => a.name.localeCompare(b.name))
