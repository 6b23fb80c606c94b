import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as ContactsFile from "../bench/contactsFile.js"
import { tempDir } from "./helpers.js"

const folder = tempDir("csv-retention-")

describe("CsvSource memory", () => {
  // Fields used to be views into the decoded 64 KiB piece: keeping one field per piece kept every piece.
  it("does not keep a whole piece alive for one kept field", async () => {
    const file = join(folder, "contacts.csv")
    await ContactsFile.write(file, 150_000)
    const fixture = fileURLToPath(new URL("./fixtures/keepOneFieldPerChunk.ts", import.meta.url))
    const output = execFileSync(process.execPath, ["--import", "tsx", "--expose-gc", fixture, file], {
      encoding: "utf8",
    })
    const { kept, retainedMB } = JSON.parse(output.trim().split("\n").pop() ?? "{}")
    expect(kept).toBeGreaterThan(250)
    // ~290 pieces of ~128 KB each were ~36 MB; the emails themselves are well under 1 MB.
    expect(retainedMB).toBeLessThan(8)
  })
})
