/**
 * The encodings of a CSV file that the command takes (`source.encoding`, `init --encoding`), and
 * how it says that a file is not in the UTF-8 a source without `encoding` is read as.
 */
import type { CsvEncoding, CsvSource } from "@brainsync/adapters-csv"

/** The encodings `source.encoding` takes (a CSV source decodes each). */
export type Encoding = (typeof encodings)[number]

export const encodings = [
  "utf-8",
  "utf-16le",
  "utf-16be",
  "latin1",
  "windows-1252",
] as const satisfies ReadonlyArray<CsvSource.Encoding>

/** `the bytes at line 3 of export.csv are not UTF-8; they look like ISO-8859-1 text: "Zoë;Müller"` */
export const notUtf8 = (path: string, found: CsvEncoding.NotUtf8) =>
  `the bytes at line ${found.line} of ${path} are not UTF-8; they look like ${found.looksLike} text: "${found.excerpt}"`

/** Why a file is not read as plain UTF-8, or `undefined` when it is (damaged bytes in UTF-8 text only cost their rows). */
export const describe = (path: string, detected: CsvEncoding.Detected): string | undefined =>
  detected.bom && detected.encoding !== "utf-8"
    ? `${path} starts with a ${detected.encoding?.toUpperCase()} byte order mark`
    : detected.notUtf8 !== undefined && detected.encoding !== "utf-8"
      ? notUtf8(path, detected.notUtf8)
      : undefined

/** What to do about a file in none of them. */
export const unreadable = `brainsync reads ${encodings.join(", ")}: convert the file to UTF-8`
