import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const packages = fileURLToPath(new URL("./packages/", import.meta.url))

export default defineConfig({
  resolve: {
    // Tests in this process run the sources; child processes (the bin, the examples) run the built dist/.
    alias: [
      { find: /^@brainsync\/([a-z-]+)$/, replacement: `${packages}$1/src/index.ts` },
      { find: /^@brainsync\/([a-z-]+)\/([A-Za-z]+)$/, replacement: `${packages}$1/src/$2.ts` },
    ],
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default", "json"],
    outputFile: { json: "node_modules/.vitest-results.json" },
  },
})
