/** Options given as values or as `Config`s, read in one go. */
import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Effect } from "effect"
import { readAll } from "../src/internal/configured.js"

describe("readAll", () => {
  it.effect(
    "reads the named options, values as they are and Configs from the provider; the rest is left out",
    () =>
      Effect.gen(function* () {
        const options = { host: "127.0.0.1", port: Config.number("PORT"), unused: "x", missing: undefined }
        const read = yield* readAll(options, ["host", "port", "missing"]).pipe(
          Effect.withConfigProvider(ConfigProvider.fromJson({ PORT: 8787 })),
        )
        expect(read).toEqual({ host: "127.0.0.1", port: 8787, missing: undefined })
      }),
  )

  it.effect("reads in the order named, so the first failing Config is the one reported", () =>
    Effect.gen(function* () {
      const options = { a: Config.string("A"), b: Config.string("B") }
      const error = yield* Effect.flip(
        readAll(options, ["b", "a"]).pipe(Effect.withConfigProvider(ConfigProvider.fromJson({}))),
      )
      expect(String(error)).toContain("Missing data at B")
      expect(String(error)).not.toContain("at A")
    }),
  )
})
