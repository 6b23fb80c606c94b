// The second half of `pnpm build` (after `tsc -b`): bundles the `brainsync` command into
// packages/cli/dist/bundle/, copies the demo's data beside it and writes the configuration file's
// JSON Schema to packages/cli/dist/brainsync.schema.json.
//
// The command runs bundled because start-up is module loading: through tsc's output it reads
// hundreds of files of effect and @effect/* before it can print its version (~0.4 s on these
// machines), bundled and tree-shaken it reads a few (~0.12 s). Each command's work is its own
// chunk, loaded when that command runs. The native SQLite addon stays external, a dependency of
// @brainsync/cli. The library entry points stay tsc's output, so an embedding program shares
// one copy of `effect` with them.
import { build } from "esbuild"
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"

const cli = fileURLToPath(new URL("../packages/cli/", import.meta.url))
const outdir = `${cli}dist/bundle`

rmSync(outdir, { recursive: true, force: true })
await build({
  entryPoints: { brainsync: `${cli}dist/bin.js` },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  external: ["better-sqlite3"],
  // jsonc-parser's `main` is a UMD build whose inner requires esbuild cannot follow; its ES build bundles.
  alias: { "jsonc-parser": createRequire(`${cli}package.json`).resolve("jsonc-parser/lib/esm/main.js") },
  // The packages' tsc output, as installed: not the sources the root tsconfig's `paths` point at.
  tsconfig: `${cli}tsconfig.build.json`,
  logLevel: "warning",
  // papaparse is CommonJS and requires Node built-ins.
  banner: {
    js: 'import { createRequire as __bundleRequire } from "node:module"; const require = __bundleRequire(import.meta.url);',
  },
})

const demo = `${cli}dist/demo`
mkdirSync(demo, { recursive: true })
for (const file of ["contacts.csv", "contacts-changed.csv"])
  cpSync(fileURLToPath(new URL(`../examples/${file}`, import.meta.url)), `${demo}/${file}`)

// The configuration's JSON Schema, made from its Schema (SyncConfig.jsonSchema in tsc's output):
// exported as "@brainsync/cli/brainsync.schema.json", and `brainsync init` points "$schema" at it.
const { jsonSchema } = await import(pathToFileURL(`${cli}dist/SyncConfig.js`).href)
writeFileSync(`${cli}dist/brainsync.schema.json`, `${JSON.stringify(jsonSchema, null, 2)}\n`)
