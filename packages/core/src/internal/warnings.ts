/**
 * What the CRM dropped from an accepted batch, row by row: the 202 lists the property fields it
 * does not know (`invalidPropertiesList`) and the contactIds it does not know
 * (`invalidContactIdList`), for the whole batch; each becomes a warning on the rows that carry it.
 */
import type { BatchAccepted } from "../BatchAccepted.js"
import type { WarnedRow } from "../SyncEvent.js"
import type { Item } from "./batcher.js"

export interface Found {
  readonly rows: ReadonlyArray<WarnedRow>
  /** The items with an unknown contactId: the ledger does not record them, so the next run sends them again. */
  readonly byContactId: ReadonlySet<Item>
  /** The items with an unknown property: not recorded either, unless the run goes on without their values. */
  readonly byProperty: ReadonlySet<Item>
  /** The unknown properties (names, or ids for fields given by id), each once. */
  readonly properties: ReadonlyArray<string>
}

const NOTHING: Found = { rows: [], byContactId: new Set(), byProperty: new Set(), properties: [] }

export const find = (data: BatchAccepted["data"], items: ReadonlyArray<Item>): Found => {
  const invalid = data.invalidPropertiesList
  const ids = data.invalidContactIdList
  if (invalid.length === 0 && ids.length === 0) return NOTHING
  const names = new Set(invalid.flatMap((field) => (field.propertyName == null ? [] : [field.propertyName])))
  const propertyIds = new Set(
    invalid.flatMap((field) => (field.propertyId == null ? [] : [field.propertyId])),
  )
  const unknownIds = new Set(ids)
  const rows: Array<WarnedRow> = []
  const byContactId = new Set<Item>()
  const byProperty = new Set<Item>()
  const properties = new Set<string>()
  const warn = (item: Item, field: string, reason: string) =>
    rows.push({ position: item.position, key: item.key, field, reason })
  for (const item of items) {
    const contactId = item.contact.contactId
    if (contactId != null && unknownIds.has(String(contactId))) {
      byContactId.add(item)
      warn(item, "contactId", `the CRM does not know contactId ${contactId}`)
    }
    for (const field of item.contact.propertyFields ?? []) {
      const name =
        field.propertyName != null && names.has(field.propertyName)
          ? field.propertyName
          : field.propertyId != null && propertyIds.has(field.propertyId)
            ? field.propertyId
            : undefined
      if (name === undefined) continue
      properties.add(name)
      byProperty.add(item)
      warn(item, name, "the CRM does not know this property: the value was not stored")
    }
  }
  return { rows, byContactId, byProperty, properties: [...properties] }
}

/** The message of a run stopped by unknown properties. */
export const stopMessage = (properties: ReadonlyArray<string>): string =>
  `the CRM does not know the ${properties.length === 1 ? "property" : "properties"} ${properties
    .map((name) => JSON.stringify(name))
    .join(
      ", ",
    )} (their values were not stored): create ${properties.length === 1 ? "it" : "them"} in the CRM or remove ${properties.length === 1 ? "it" : "them"} from the mapping (or set allowUnknownProperties to go on without their values)`
