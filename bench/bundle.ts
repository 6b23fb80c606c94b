/**
 * Bundles a benchmark (or a measuring stage of one) with esbuild into plain JavaScript next to its
 * source, so that it runs as a build of an app embedding brainsync would run. Under tsx the same
 * code ran ~1.6x slower (1M-row pipeline: 340k vs 535k rows/s): tsx compiles with `keepNames`,
 * which wraps every closure created on the hot path, and its loader keeps ~37 MB more heap.
 * Native modules stay external, imported by absolute path from where their importer found them
 * (a bench's package need not depend on them itself); esbuild stays external too.
 */
import { build, type Plugin } from "esbuild"
import { createRequire } from "node:module"

const NATIVE = /^better-sqlite3$/

const nativeWhereFound: Plugin = {
  name: "native-where-found",
  setup: (build) => {
    build.onResolve({ filter: NATIVE }, (args) => ({
      path: createRequire(args.importer).resolve(args.path),
      external: true,
    }))
  },
}

export const bundle = async (
  entry: string,
  outfile = entry.replace(/\.ts$/, ".bundle.mjs"),
): Promise<string> => {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
    external: ["esbuild"],
    plugins: [nativeWhereFound],
    // Some dependencies (papaparse) are CommonJS and require Node built-ins.
    banner: {
      js: 'import { createRequire as bundleRequire } from "node:module"; const require = bundleRequire(import.meta.url);',
    },
  })
  return outfile
}
