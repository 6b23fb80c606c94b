/** Reads the `rel="next"` target of an RFC 8288 `Link` header, resolved against the page's URL. */
export const nextLink = (header: string | undefined, base: URL): URL | undefined => {
  if (header === undefined) return undefined
  for (const link of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(link)
    if (match === null) continue
    const rels = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2] ?? "")
    const relation = rels?.[1] ?? rels?.[2] ?? ""
    if (relation.toLowerCase().split(/\s+/).includes("next")) {
      try {
        return new URL(match[1] ?? "", base)
      } catch {
        return undefined
      }
    }
  }
  return undefined
}
