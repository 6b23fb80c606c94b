/** `brainsync demo`: a sandbox CRM on this machine and two syncs of the example contacts into it. */
import * as Lazy from "../lazy.js"

const description = "Run a sandbox CRM on this machine and sync the example contacts into it, twice."

export const command = Lazy.command("demo", {}, description, () => import("../handlers/demo.js"))
