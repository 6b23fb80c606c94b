/** The installed @brainsync/cli package's folder, for the files it ships (the demo's data, the configuration's JSON Schema). */
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const find = (): string => {
  // From dist/ (tsc's output), dist/bundle/chunks/ (the command) or src/ (tests): walk up to our package.json.
  let folder = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(folder, "package.json")
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "@brainsync/cli")
      return folder
    const parent = dirname(folder)
    if (parent === folder)
      throw new Error(`@brainsync/cli: no package.json above ${fileURLToPath(import.meta.url)}`)
    folder = parent
  }
}

let found: string | undefined

/** A path inside the package: `packageFile("dist/demo/contacts.csv")`. */
export const packageFile = (path: string): string => join((found ??= find()), path)
