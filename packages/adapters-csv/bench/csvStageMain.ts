/** The entry of one measuring process of the CSV benchmark: `<mode> <file>`. */
import { child, type Mode } from "./csvStage.js"

await child(process.argv[2] as Mode, process.argv[3] ?? "")
