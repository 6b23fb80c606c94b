/** Writes docs/openapi.json from core's HttpApi definition (`pnpm openapi`). */
import { OpenApi } from "@effect/platform"
import { MainBrainerApi } from "@brainsync/core"
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const target = fileURLToPath(new URL("../docs/openapi.json", import.meta.url))
writeFileSync(target, JSON.stringify(OpenApi.fromApi(MainBrainerApi.MainBrainerApi), null, 2) + "\n")
console.log(`wrote ${target}`)
