import { SourceRow } from "@brainsync/core"
import { afterAll } from "@effect/vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Chunk, Effect, Either, Stream } from "effect"
import { CsvSource } from "../src/index.js"

/** Bytes handed over in pieces of `size`, so rows, quotes and multi-byte characters straddle pieces. */
export const inPieces = (bytes: Uint8Array, size: number): (() => AsyncIterable<Uint8Array>) =>
  async function* () {
    for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size)
  }

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

export const readAll = (
  input: string | Uint8Array,
  options: CsvSource.Options = {},
  pieceSize = 5,
): Effect.Effect<ReadonlyArray<SourceRow.SourceRow>, SourceRow.SourceError> =>
  Stream.runCollect(
    CsvSource.fromReadable(
      inPieces(typeof input === "string" ? utf8(input) : input, pieceSize),
      options,
      "test.csv",
    ),
  ).pipe(Effect.map(Chunk.toReadonlyArray))

export const readError = (input: string | Uint8Array, options: CsvSource.Options = {}) =>
  readAll(input, options).pipe(
    Effect.either,
    Effect.map((result) => (Either.isLeft(result) ? result.left.message : "no error")),
  )

/** Rows as `[position, fields]`, or `[position, "rejected: reason"]`, for compact expectations. */
export const summary = (rows: ReadonlyArray<SourceRow.SourceRow>) =>
  rows.map(
    (row) => [row.position, row.malformed === undefined ? row.fields : `rejected: ${row.malformed}`] as const,
  )

/** A temporary folder for this test file, removed when its tests are done. */
export const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
