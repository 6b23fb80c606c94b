/** `brainsync demo`: a sandbox CRM on this machine and two syncs of the example contacts into it. */
import { Command } from "@effect/cli"
import * as Lazy from "../lazy.js"

export const command = Command.make(
  "demo",
  {},
  Lazy.handler(() => import("../handlers/demo.js")),
).pipe(
  Command.withDescription("Run a sandbox CRM on this machine and sync the example contacts into it, twice."),
)
