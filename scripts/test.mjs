// Runs the whole test suite with vitest and ends with the plain total that CI reads:
// "N passed, N failed". Extra arguments go to vitest (a file filter, --bail, ...).
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"

const results = "node_modules/.vitest-results.json"
rmSync(results, { force: true })
const run = spawnSync("pnpm", ["exec", "vitest", "run", ...process.argv.slice(2)], { stdio: "inherit" })

let passed = 0
let failed = 0
if (existsSync(results)) {
  const summary = JSON.parse(readFileSync(results, "utf8"))
  passed = summary.numPassedTests
  // A file that failed without a failing test (it could not load, or a hook threw) counts once.
  const brokenFiles = (summary.testResults ?? []).filter(
    (file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed"),
  ).length
  failed = summary.numFailedTests + brokenFiles
}
const status = run.status ?? 1
if (status !== 0 && failed === 0) failed = 1 // vitest failed before any test could report (a crash, a config error)
console.log(`\n${passed} passed, ${failed} failed`)
process.exit(status)
