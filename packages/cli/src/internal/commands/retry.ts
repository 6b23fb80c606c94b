import { Command } from "@effect/cli"
export const command = Command.make("retry")
