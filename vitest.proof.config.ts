import { defineConfig } from "vitest/config"
import base from "./vitest.config.js"

/**
 * `pnpm test:proof` (test/proof/): the bad-input corpus, the fault soak, the crash loop and the
 * sandbox load test, against the built command. The files run one after the other (the soak and
 * the load test each want the machine); the corpus runs three cases at a time.
 */
export default defineConfig({
  ...(base.resolve === undefined ? {} : { resolve: base.resolve }),
  test: {
    include: ["test/proof/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
    maxConcurrency: 3,
    reporters: ["default", "json"],
    outputFile: { json: "node_modules/.vitest-results.json" },
  },
})
