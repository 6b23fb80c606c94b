/** docs/openapi.json is generated from the HttpApi definition and matches the seed's contract. */
import { OpenApi } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { MainBrainerApi } from "../src/index.js"

const committed: unknown = JSON.parse(
  readFileSync(new URL("../../../docs/openapi.json", import.meta.url), "utf8"),
)
const generated: unknown = JSON.parse(JSON.stringify(OpenApi.fromApi(MainBrainerApi.MainBrainerApi)))

const isObject = (node: unknown): node is Record<string, unknown> => typeof node === "object" && node !== null
const dig = (node: unknown, ...path: ReadonlyArray<string>): unknown =>
  path.reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), node)

/** The document with every `$ref` replaced by the schema it points to. */
const inline = (node: unknown, schemas: unknown): unknown => {
  if (Array.isArray(node)) return node.map((item) => inline(item, schemas))
  if (!isObject(node)) return node
  if (typeof node.$ref === "string") {
    return inline(dig(schemas, node.$ref.replace("#/components/schemas/", "")), schemas)
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, inline(value, schemas)]))
}
const doc = inline(generated, dig(generated, "components", "schemas"))
const operation = dig(doc, "paths", "/contacts/batch", "post")
const requestBody = dig(operation, "requestBody", "content", "application/json", "schema")
const nullable = (shape: object) => ({ anyOf: [expect.objectContaining(shape), { type: "null" }] })

describe("docs/openapi.json", () => {
  it("is up to date with the HttpApi definition (run `pnpm openapi`)", () => {
    expect(committed).toEqual(generated)
  })

  it("documents POST /contacts/batch with bearer security, and nothing else", () => {
    expect(Object.keys(dig(doc, "paths") as object)).toEqual(["/contacts/batch"])
    expect(Object.keys(dig(doc, "paths", "/contacts/batch") as object)).toEqual(["post"])
    expect(dig(operation, "security")).toEqual([{ bearer: [] }])
    expect(dig(doc, "components", "securitySchemes", "bearer")).toMatchObject({
      type: "http",
      scheme: "bearer",
    })
  })

  it("documents the seed's responses", () => {
    for (const status of ["202", "400", "401", "406", "409", "422", "500"]) {
      expect(dig(operation, "responses", status), status).toMatchObject({
        content: { "application/json": {} },
      })
    }
  })

  it("documents the request body's fields with their types and formats", () => {
    expect(Object.keys(dig(requestBody, "properties") as object).sort()).toEqual([
      "createUpdateContacts",
      "listId",
      "webHookUrl",
    ])
    expect(requestBody).toMatchObject({
      required: ["createUpdateContacts"],
      properties: {
        listId: nullable({ type: "string", format: "uuid" }),
        webHookUrl: nullable({ type: "string" }),
        createUpdateContacts: { type: "array", minItems: 1, maxItems: 1000 },
      },
    })
  })

  it("documents each contact field as the seed does: nullable, with its format", () => {
    const contact = dig(requestBody, "properties", "createUpdateContacts", "items")
    const fields = {
      listId: { type: "string", format: "uuid" },
      contactId: { type: "integer", format: "int64", minimum: 1 },
      mobileCountryCode: { type: "integer", format: "int32" },
      mobileNumber: { type: "integer", format: "int64" },
      mobileOptIn: { type: "boolean" },
      email: { type: "string" },
      emailOptIn: { type: "boolean" },
    }
    expect(Object.keys(dig(contact, "properties") as object).sort()).toEqual(
      [...Object.keys(fields), "propertyFields"].sort(),
    )
    for (const [field, shape] of Object.entries(fields)) {
      expect(dig(contact, "properties", field), field).toMatchObject(nullable(shape))
    }
    const propertyFields = dig(contact, "properties", "propertyFields")
    expect(propertyFields).toMatchObject(nullable({ type: "array" }))
    expect(dig(dig(propertyFields, "anyOf", "0"), "items")).toMatchObject({
      properties: {
        propertyId: nullable({ type: "string", format: "uuid" }),
        propertyName: nullable({ type: "string" }),
        propertyValue: nullable({ type: "string" }),
      },
    })
  })

  it("documents the 202 body's data fields", () => {
    const data = dig(
      operation,
      "responses",
      "202",
      "content",
      "application/json",
      "schema",
      "properties",
      "data",
    )
    expect(Object.keys(dig(data, "properties") as object).sort()).toEqual([
      "balance",
      "batchId",
      "contactId",
      "invalidContactIdList",
      "invalidPropertiesList",
      "message",
      "processed",
      "status",
    ])
  })
})
