/**
 * `pnpm bench [filter]`: runs every `packages/<name>/bench/*.bench.ts` in its own Node process
 * (so each one's peak memory is its own), one after the other, and prints their figures. Each
 * runs bundled (see `bundle.ts`), as a deployed build would run, not under tsx.
 *
 * The processes run with the V8 flags the `brainsync` command runs with (`NODE_FLAGS`), so the
 * figures are the command's; a bench that starts processes of its own passes them on.
 */
import { spawnSync } from "node:child_process"
import { readdirSync, existsSync, rmSync } from "node:fs"
import { join } from "node:path"
import { bundle } from "./bundle.js"

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
/** A larger young generation: rows waiting in the dedupe window and in flight then die young instead of being copied and promoted (1M rows: ~1.5x faster; see README, "Speed"). */
const NODE_FLAGS = ["--max-semi-space-size=32"]
console.log(`each bench bundled by esbuild, run with node ${[...NODE_FLAGS, "--expose-gc"].join(" ")}`)
let failed = 0
for (const bench of benches) {
  console.log(`\n=== ${bench}`)
  const bundled = await bundle(bench)
  const run = spawnSync(process.execPath, [...NODE_FLAGS, "--expose-gc", bundled], { stdio: "inherit" })
  rmSync(bundled, { force: true })
  if (run.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
