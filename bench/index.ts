/**
 * `pnpm bench [filter]`: runs every `packages/<name>/bench/*.bench.ts` in its own Node process
 * (so each one's peak memory is its own), one after the other, and prints their figures.
 */
import { spawnSync } from "node:child_process"
import { readdirSync, existsSync } from "node:fs"
import { join } from "node:path"

const filter = process.argv[2] ?? ""
const benches = readdirSync("packages")
  .map((pkg) => join("packages", pkg, "bench"))
  .filter((dir) => existsSync(dir))
  .flatMap((dir) =>
    readdirSync(dir)
      .filter((file) => file.endsWith(".bench.ts"))
      .map((file) => join(dir, file)),
  )
  .filter((file) => file.includes(filter))
  .sort()

if (benches.length === 0) {
  console.error(`no benchmark matches "${filter}"`)
  process.exit(2)
}
let failed = 0
for (const bench of benches) {
  console.log(`\n=== ${bench}`)
  const run = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", bench], { stdio: "inherit" })
  if (run.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
