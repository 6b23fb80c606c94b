import { CliConfig, Command, HelpDoc, Options } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import * as Lazy from "../src/internal/lazy.js"

class Answer extends Context.Tag("test/Answer")<Answer, number>() {}

describe("lazy: command handlers and layers imported when used", () => {
  it.effect("a command imports its handler's module only when it runs, and gives it the parsed options", () =>
    Effect.gen(function* () {
      let loads = 0
      const seen: Array<Lazy.Args<typeof options>> = []
      const options = { name: Options.text("name"), loud: Options.boolean("loud") }
      const greet = Lazy.command("greet", options, "Greets someone.", () => {
        loads++
        return Promise.resolve({
          handle: (args: Lazy.Args<typeof options>) => Effect.sync(() => void seen.push(args)),
        })
      })
      const cli = Command.run(Command.make("tool").pipe(Command.withSubcommands([greet])), {
        name: "tool",
        version: "1.0.0",
      })
      expect(HelpDoc.toAnsiText(Command.getHelp(greet, CliConfig.defaultConfig))).toContain("Greets someone.")
      expect(loads).toBe(0)
      yield* cli(["node", "tool", "greet", "--name", "Ada", "--loud"]).pipe(Effect.provide(NodeContext.layer))
      expect(loads).toBe(1)
      expect(seen).toEqual([{ name: "Ada", loud: true }])
    }),
  )

  it.effect("a layer imports its module when it is built, not when it is made", () =>
    Effect.gen(function* () {
      let loads = 0
      const layer = Lazy.layer(
        () => {
          loads++
          return Promise.resolve({ value: 42 })
        },
        (module) => Layer.succeed(Answer, module.value),
      )
      expect(loads).toBe(0)
      expect(yield* Effect.provide(Answer, layer)).toBe(42)
      expect(loads).toBe(1)
    }),
  )
})
