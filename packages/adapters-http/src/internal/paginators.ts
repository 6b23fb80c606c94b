/**
 * The pagination styles, each one object that owns its first request and its next one (as dlt's
 * paginators do): the URL of the first page, and, from a page just read, the position of the next
 * page or the end. A next page that is the page just read fails rather than loops (one guard for
 * every style whose next page comes from the API).
 */
import { Either, Option } from "effect"
import type * as HttpSource from "../HttpSource.js"
import * as JsonPath from "./jsonPath.js"
import { nextLink } from "./linkHeader.js"

/** A page as fetched: its parsed body and its `Link` header. */
export interface Page {
  readonly body: unknown
  readonly link: string | undefined
}

/** Where the source is: the page's number (from 1), its URL, and the items read before it. */
export interface Position {
  readonly page: number
  readonly url: URL
  readonly offset: number
}

/** After a page: the next position, none after the last page, or why the source must stop. */
export type Next = Either.Either<Option.Option<Position>, string>

export interface Paginator {
  /** The first page's URL, from the URL the user gave. */
  readonly first: (url: URL) => URL
  /** What comes after the page at `at`, which held `count` items. */
  readonly next: (at: Position, page: Page, count: number) => Next
}

const withParams = (url: URL, params: Record<string, string>): URL => {
  const next = new URL(url)
  for (const [name, value] of Object.entries(params)) next.searchParams.set(name, value)
  return next
}

const end: Next = Either.right(Option.none())

const following = (at: Position, url: URL, offset = at.offset): Next =>
  Either.right(Option.some({ page: at.page + 1, url, offset }))

/** The loop guard: a next page at the URL just read would be read again and again. */
const unlessSame = (at: Position, url: URL, same: string): Next =>
  url.href === at.url.href ? Either.left(`page ${at.page}: ${same}`) : following(at, url)

const pageNumber = (style: HttpSource.PageNumber): Paginator => ({
  first: (url) =>
    withParams(url, {
      [style.param]: String(style.first),
      ...(style.sizeParam !== undefined && style.size !== undefined
        ? { [style.sizeParam]: String(style.size) }
        : {}),
    }),
  next: (at, _page, count) =>
    count === 0 || (style.size !== undefined && count < style.size)
      ? end
      : following(at, withParams(at.url, { [style.param]: String(style.first + at.page) })),
})

const offsetLimit = (style: HttpSource.OffsetLimit): Paginator => ({
  first: (url) => withParams(url, { [style.offsetParam]: "0", [style.limitParam]: String(style.limit) }),
  next: (at, _page, count) => {
    if (count < style.limit) return end
    const offset = at.offset + count
    return following(at, withParams(at.url, { [style.offsetParam]: String(offset) }), offset)
  },
})

const cursor = (style: HttpSource.Cursor): Paginator => ({
  first: (url) => url,
  next: (at, page) => {
    const value = JsonPath.get(page.body, style.cursorPath)
    if (value === undefined || value === null || value === "") return end
    if (typeof value !== "string" && typeof value !== "number")
      return Either.left(
        `page ${at.page}: the cursor at ${JsonPath.show(style.cursorPath)} is not a string or number`,
      )
    const url = withParams(at.url, { [style.param]: String(value) })
    return unlessSame(at, url, `the API gave the same cursor again (${String(value)})`)
  },
})

const linkHeader: Paginator = {
  first: (url) => url,
  next: (at, page) => {
    const url = nextLink(page.link, at.url)
    return url === undefined ? end : unlessSame(at, url, "the next link points to the same page")
  },
}

export const of = (pagination: HttpSource.Pagination): Paginator => {
  switch (pagination._tag) {
    case "PageNumber":
      return pageNumber(pagination)
    case "OffsetLimit":
      return offsetLimit(pagination)
    case "Cursor":
      return cursor(pagination)
    case "LinkHeader":
      return linkHeader
  }
}
