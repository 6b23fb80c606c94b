/** A reader that stops early (`brainsync sync --json | head -1`) ends the command quietly. */
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { bin, tempDir, writeConfig } from "./helpers.js"

describe("standard output closed by its reader", () => {
  it("ends the command with 0 and no stack trace", async () => {
    const dir = tempDir()
    const lines = ["id,email,first_name,newsletter"]
    for (let i = 1; i <= 20_000; i++) lines.push(`K${i},p${i}@example.com,P${i},yes`)
    writeFileSync(join(dir, "contacts.csv"), `${lines.join("\n")}\n`)
    const config = writeConfig(dir, {
      crm: { baseUrl: "http://127.0.0.1:9", listId: "9fc6ad7d-902a-4834-b161-a4911b883d44" },
      batchSize: 1,
    })
    const child = spawn(process.execPath, [bin, "sync", "-c", config, "--dry-run", "--json"], {
      stdio: "pipe",
    })
    let stderr = ""
    child.stderr.on("data", (piece) => (stderr += String(piece)))
    const first = await new Promise<string>((resolve) => {
      let text = ""
      child.stdout.on("data", (piece) => {
        text += String(piece)
        if (text.includes("\n")) {
          // What `head -1` does: take one line, then close the pipe.
          child.stdout.destroy()
          resolve(text.split("\n")[0]!)
        }
      })
    })
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
    expect(JSON.parse(first)).toMatchObject({ _tag: "Started" })
    expect(stderr).toBe("")
    expect(code).toBe(0)
  })
})
