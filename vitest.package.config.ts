import { defineConfig } from "vitest/config"

/** `pnpm test:package`: the packed packages installed outside the workspace (test/package/). */
export default defineConfig({
  test: {
    include: ["test/package/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    pool: "forks",
    reporters: ["default", "json"],
    outputFile: { json: "node_modules/.vitest-results.json" },
  },
})
