/** Each pagination style alone: its first request, its next one, its end, and the loop guard. */
import { describe, expect, it } from "@effect/vitest"
import { Either, Option } from "effect"
import { HttpSource } from "../src/index.js"
import * as Paginators from "../src/internal/paginators.js"

const start = new URL("https://api.example.com/v2/people?status=active")
const page = (body: unknown, link?: string): Paginators.Page => ({ body, link })
const at = (url: URL, page = 1, offset = 0): Paginators.Position => ({ page, url, offset })

/** The next position's URL, `"end"`, or the failure's message. */
const nextOf = (next: Paginators.Next) =>
  Either.match(next, {
    onLeft: (message) => ({ failed: message }),
    onRight: Option.match({ onNone: () => "end" as const, onSome: (position) => position }),
  })

describe("paginators", () => {
  it("page numbers: asks for the first page and its size, then the next number until a short page", () => {
    const style = Paginators.of(HttpSource.pageNumber({ sizeParam: "per_page", size: 5, first: 0 }))
    const first = style.first(start)
    expect(first.href).toBe("https://api.example.com/v2/people?status=active&page=0&per_page=5")
    expect(nextOf(style.next(at(first), page([]), 5))).toEqual({
      page: 2,
      offset: 0,
      url: new URL("https://api.example.com/v2/people?status=active&page=1&per_page=5"),
    })
    expect(nextOf(style.next(at(first), page([]), 4))).toBe("end")
    // without a size only an empty page ends it
    const unsized = Paginators.of(HttpSource.pageNumber())
    expect(nextOf(unsized.next(at(unsized.first(start)), page([]), 1))).not.toBe("end")
    expect(nextOf(unsized.next(at(unsized.first(start)), page([]), 0))).toBe("end")
  })

  it("offset and limit: moves the offset on by the items received until a short page", () => {
    const style = Paginators.of(
      HttpSource.offsetLimit({ limit: 10, offsetParam: "skip", limitParam: "take" }),
    )
    const first = style.first(start)
    expect(first.searchParams.get("skip")).toBe("0")
    expect(first.searchParams.get("take")).toBe("10")
    const second = nextOf(style.next(at(first, 1, 0), page([]), 10))
    expect(second).toMatchObject({ page: 2, offset: 10 })
    expect(typeof second === "object" && "url" in second && second.url.searchParams.get("skip")).toBe("10")
    expect(nextOf(style.next(at(first, 2, 10), page([]), 9))).toBe("end")
  })

  it("cursor: sends back the body's cursor; none ends it; the same one again or a non-scalar stops it", () => {
    const style = Paginators.of(HttpSource.cursor({ cursorPath: "meta.next", param: "after" }))
    expect(style.first(start)).toEqual(start)
    const second = nextOf(style.next(at(start), page({ meta: { next: 42 } }), 10))
    expect(second).toMatchObject({ page: 2 })
    const secondUrl = typeof second === "object" && "url" in second ? second.url : start
    expect(secondUrl.searchParams.get("after")).toBe("42")
    for (const value of [null, undefined, ""])
      expect(nextOf(style.next(at(start), page({ meta: { next: value } }), 10))).toBe("end")
    expect(nextOf(style.next(at(secondUrl, 2), page({ meta: { next: "42" } }), 10))).toEqual({
      failed: "page 2: the API gave the same cursor again (42)",
    })
    expect(nextOf(style.next(at(start, 3), page({ meta: { next: { id: 1 } } }), 10))).toEqual({
      failed: "page 3: the cursor at meta.next is not a string or number",
    })
  })

  it("link header: follows rel=next, resolved against the page; none ends it; a link to itself stops it", () => {
    const style = Paginators.of(HttpSource.linkHeader)
    expect(style.first(start)).toEqual(start)
    const next = nextOf(style.next(at(start), page([], '</v2/people?page=2>; rel="next"'), 3))
    expect(next).toMatchObject({ page: 2, url: new URL("https://api.example.com/v2/people?page=2") })
    expect(nextOf(style.next(at(start), page([], '</v2/people>; rel="first"'), 3))).toBe("end")
    expect(nextOf(style.next(at(start, 4), page([], `<${start.href}>; rel="next"`), 3))).toEqual({
      failed: "page 4: the next link points to the same page",
    })
  })
})
