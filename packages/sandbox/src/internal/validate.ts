/**
 * Everything the sandbox checks before it accepts a batch: decoding (400), semantic validity
 * (422) and conflicts inside the batch (409). Pure functions over the parsed body.
 */
import { ApiError, BatchRequest, type Contact } from "@brainsync/core"
import { Either, ParseResult, Schema } from "effect"
import type { Fixtures } from "../Fixtures.js"
import type { StoredMatch } from "./contactIndex.js"

export const MAX_PROPERTY_VALUE_LENGTH = 4000
const MAX_PROBLEMS = 1000
const MAX_MESSAGE_LENGTH = 300

const decodeBatch = Schema.decodeUnknownEither(BatchRequest.BatchRequest, { errors: "all" })

const truncate = (text: string): string =>
  text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text

const toProblem = (issue: ParseResult.ArrayFormatterIssue): ApiError.Problem => {
  const [head, index, ...rest] = issue.path
  const message = truncate(issue.message)
  if (head === "createUpdateContacts" && typeof index === "number") {
    return rest.length > 0 ? { index, field: rest.map(String).join("."), message } : { index, message }
  }
  return issue.path.length > 0 ? { field: issue.path.map(String).join("."), message } : { message }
}

/** Decodes a parsed JSON body with core's `BatchRequest`; the problems name the contact's index and field. */
export const decode = (
  body: unknown,
): Either.Either<BatchRequest.BatchRequest, ReadonlyArray<ApiError.Problem>> => {
  try {
    return Either.mapLeft(decodeBatch(body), (error) => {
      // A union (`optional(NullOr(X))`) reports one issue per member; the first names what was expected.
      const seen = new Set<string>()
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error).filter((issue) => {
        const key = issue.path.map(String).join("\u0000")
        if (seen.has(key)) return false
        seen.add(key)
        return true
      })
      return issues.slice(0, MAX_PROBLEMS).map(toProblem)
    })
  } catch {
    // A pathological value (e.g. nesting deep enough to overflow the stack while formatting it).
    return Either.left([{ message: "the body does not have the shape of a batch request" }])
  }
}

export interface Catalogue {
  readonly lists: ReadonlySet<string>
  readonly propertiesById: ReadonlyMap<string, string>
  /** Lower-cased property name → property id. */
  readonly propertiesByName: ReadonlyMap<string, string>
}

export const catalogue = (fixtures: Fixtures): Catalogue => ({
  lists: new Set(fixtures.lists.map((list) => list.listId.toLowerCase())),
  propertiesById: new Map(fixtures.properties.map((p) => [p.propertyId.toLowerCase(), p.propertyName])),
  propertiesByName: new Map(
    fixtures.properties.map((p) => [p.propertyName.toLowerCase(), p.propertyId.toLowerCase()]),
  ),
})

/** The catalogue's property id for a property field, or `undefined` when neither its id nor its name is known. */
export const resolveProperty = (cat: Catalogue, field: Contact.PropertyField): string | undefined => {
  if (field.propertyId != null) {
    const id = field.propertyId.toLowerCase()
    return cat.propertiesById.has(id) ? id : undefined
  }
  return field.propertyName != null
    ? cat.propertiesByName.get(field.propertyName.trim().toLowerCase())
    : undefined
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export const contactListId = (
  request: BatchRequest.BatchRequest,
  contact: Contact.Contact,
): string | undefined => (contact.listId ?? request.listId ?? undefined)?.toLowerCase()

/** 422 problems: every semantically invalid field of every contact. */
export const semanticProblems = (
  cat: Catalogue,
  request: BatchRequest.BatchRequest,
): Array<ApiError.Problem> => {
  const problems: Array<ApiError.Problem> = []
  request.createUpdateContacts.forEach((contact, index) => {
    const listId = contactListId(request, contact)
    if (listId === undefined) {
      problems.push({
        index,
        field: "listId",
        message: "no list: give a listId on the contact or on the batch",
      })
    } else if (!cat.lists.has(listId)) {
      problems.push({ index, field: "listId", message: `unknown list ${listId}` })
    }
    if (contact.email != null && (contact.email.length > 254 || !EMAIL.test(contact.email))) {
      problems.push({ index, field: "email", message: "not an email address" })
    }
    const hasCode = contact.mobileCountryCode != null
    const hasNumber = contact.mobileNumber != null
    if (hasNumber && !hasCode) {
      problems.push({ index, field: "mobileCountryCode", message: "a mobile number needs its country code" })
    }
    if (hasCode && !hasNumber) {
      problems.push({ index, field: "mobileNumber", message: "a country code needs its mobile number" })
    }
    if (contact.contactId == null && contact.email == null && !(hasCode && hasNumber)) {
      problems.push({ index, message: "no identity: give a contactId, an email or a mobile number" })
    }
    contact.propertyFields?.forEach((field, j) => {
      if (field.propertyValue != null && field.propertyValue.length > MAX_PROPERTY_VALUE_LENGTH) {
        problems.push({
          index,
          field: `propertyFields.${j}.propertyValue`,
          message: `longer than ${MAX_PROPERTY_VALUE_LENGTH} characters`,
        })
      }
    })
  })
  return problems
}

/** 409 problems: contacts that resolve to the same CRM contact as an earlier one of the batch. */
export const conflicts = (request: BatchRequest.BatchRequest): Array<ApiError.ConflictProblem> => {
  const seen = new Map<string, number>()
  const problems: Array<ApiError.ConflictProblem> = []
  const check = (index: number, key: string, field: string, message: string) => {
    const first = seen.get(key)
    if (first === undefined) seen.set(key, index)
    else problems.push({ index, conflictsWith: first, field, message })
  }
  request.createUpdateContacts.forEach((contact, index) => {
    const listId = contactListId(request, contact) ?? ""
    if (contact.contactId != null) {
      check(
        index,
        `id\u0000${contact.contactId}`,
        "contactId",
        "same contactId as another contact of the batch",
      )
    }
    if (contact.email != null) {
      check(
        index,
        `email\u0000${listId}\u0000${contact.email.toLowerCase()}`,
        "email",
        "same email, in the same list, as another contact of the batch",
      )
    }
    if (contact.mobileCountryCode != null && contact.mobileNumber != null) {
      check(
        index,
        `mobile\u0000${listId}\u0000${contact.mobileCountryCode}\u0000${contact.mobileNumber}`,
        "mobileNumber",
        "same mobile number, in the same list, as another contact of the batch",
      )
    }
  })
  return problems
}

/**
 * 409 problems: contacts that reach the same stored contact as an earlier one of the batch by
 * another key (one by contactId, one by email, say), given what each reaches (`matches`). Applied
 * in one batch, the second would overwrite the first; apart, each applies over the other's result.
 */
export const sameStoredContact = (
  matches: ReadonlyArray<StoredMatch | undefined>,
): Array<ApiError.ConflictProblem> => {
  const first = new Map<number, number>()
  const problems: Array<ApiError.ConflictProblem> = []
  matches.forEach((matched, index) => {
    if (matched === undefined) return
    const earlier = first.get(matched.contactId)
    if (earlier === undefined) first.set(matched.contactId, index)
    else
      problems.push({
        index,
        conflictsWith: earlier,
        field: matched.by,
        message: `reaches the same CRM contact (contactId ${matched.contactId}) as another contact of the batch`,
      })
  })
  return problems
}

/** The property fields that name no property of the catalogue (ignored when the batch is applied). */
export const invalidProperties = (
  cat: Catalogue,
  request: BatchRequest.BatchRequest,
): Array<Contact.PropertyField> =>
  request.createUpdateContacts.flatMap((contact) =>
    (contact.propertyFields ?? []).filter((field) => resolveProperty(cat, field) === undefined),
  )
