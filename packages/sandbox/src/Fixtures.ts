/**
 * The sandbox's account: its contact lists and its property catalogue. The defaults are the
 * seed's sample list and a small catalogue with fixed ids, so that examples and tests can name
 * them; a JSON file of the same shape (`--fixtures FILE`) replaces them.
 *
 * @since 0.1.0
 * @module
 */
import { FileSystem } from "@effect/platform"
import { Data, Effect, Schema } from "effect"

/**
 * A contact list of the account, by id, with an optional display name.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ListFixture = Schema.Struct({
  listId: Schema.UUID,
  name: Schema.optional(Schema.String),
})
/**
 * A `ListFixture` as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type ListFixture = typeof ListFixture.Type

/**
 * A property of the account's catalogue, which contacts' `propertyFields` name by id or by name.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PropertyFixture = Schema.Struct({
  propertyId: Schema.UUID,
  propertyName: Schema.String,
})
/**
 * A `PropertyFixture` as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type PropertyFixture = typeof PropertyFixture.Type

/**
 * The account: its lists and its property catalogue. The first list is the account's default list.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Fixtures = Schema.Struct({
  lists: Schema.NonEmptyArray(ListFixture),
  properties: Schema.Array(PropertyFixture),
})
/**
 * `Fixtures` as decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type Fixtures = typeof Fixtures.Type

/**
 * The seed's sample list.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_LIST_ID = "9fc6ad7d-902a-4834-b161-a4911b883d44"

/**
 * The seed's sample property id.
 *
 * @since 0.1.0
 * @category constants
 */
export const FIRST_NAME_PROPERTY_ID = "8e8b8450-dc1b-4360-8109-7067337b42cb"

/**
 * The account of a sandbox given no fixtures: the seed's sample list, and the properties
 * `First Name`, `Last Name`, `Company`, `City`, `Country` and `Notes`.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults: Fixtures = {
  lists: [{ listId: DEFAULT_LIST_ID, name: "Default list" }],
  properties: [
    { propertyId: FIRST_NAME_PROPERTY_ID, propertyName: "First Name" },
    { propertyId: "3b0f6a52-6c1e-4d8a-9b1f-2f4c5d6e7a81", propertyName: "Last Name" },
    { propertyId: "5c2d7e93-1a4b-4c6d-8e2f-3a5b6c7d8e92", propertyName: "Company" },
    { propertyId: "7d3e8fa4-2b5c-4d7e-9f3a-4b6c7d8e9fa3", propertyName: "City" },
    { propertyId: "9e4f90b5-3c6d-4e8f-a04b-5c7d8e9fa0b4", propertyName: "Country" },
    { propertyId: "a15091c6-4d7e-4f90-b15c-6d8e9fa0b1c5", propertyName: "Notes" },
  ],
}

/**
 * A fixtures file could not be read, or is not valid fixtures.
 *
 * @since 0.1.0
 * @category errors
 */
export class FixturesError extends Data.TaggedError("FixturesError")<{
  readonly path: string
  readonly message: string
  readonly cause?: unknown
}> {}

const decodeJson = Schema.decodeUnknown(Schema.parseJson(Fixtures), { errors: "all" })

/**
 * Reads fixtures from a JSON file:
 * `{ "lists": [{ "listId": uuid, "name"? }], "properties": [{ "propertyId": uuid, "propertyName" }] }`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromFile = (path: string): Effect.Effect<Fixtures, FixturesError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs
      .readFileString(path)
      .pipe(Effect.mapError((cause) => new FixturesError({ path, message: `cannot read ${path}`, cause })))
    return yield* decodeJson(text).pipe(
      Effect.mapError(
        (cause) =>
          new FixturesError({ path, message: `invalid fixtures in ${path}: ${cause.message}`, cause }),
      ),
    )
  })
