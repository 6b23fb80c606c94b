/**
 * Bytes to text, chunk by chunk, for the encodings a CSV export comes in. A character split across
 * two chunks is decoded whole (the decoders keep state). Invalid bytes become U+FFFD, and `lossy`
 * says so: the reader then rejects the rows holding them instead of passing the damage on.
 */

/**
 * The encodings a CSV export comes in; the docs show them where they are used.
 *
 * @inline
 */
export type Encoding = "utf-8" | "utf-16le" | "utf-16be" | "latin1" | "windows-1252"

export interface Decoded {
  readonly text: string
  /** True when bytes of this piece were not valid in the encoding (a U+FFFD that the bytes did not spell). */
  readonly lossy: boolean
}

export interface Decoder {
  readonly decode: (bytes: Uint8Array | string) => Decoded
  readonly end: () => Decoded
}

const REPLACEMENT = "\uFFFD"

/** How each encoding spells U+FFFD itself, to tell a genuine one from a decoding failure. */
const encodedReplacement: Record<Exclude<Encoding, "latin1" | "windows-1252">, Uint8Array> = {
  "utf-8": Uint8Array.of(0xef, 0xbf, 0xbd),
  "utf-16le": Uint8Array.of(0xfd, 0xff),
  "utf-16be": Uint8Array.of(0xff, 0xfd),
}

const count = (text: string, search: string): number => {
  let n = 0
  for (let i = text.indexOf(search); i !== -1; i = text.indexOf(search, i + search.length)) n++
  return n
}

const countBytes = (bytes: Uint8Array, search: Uint8Array): number => {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let n = 0
  for (let i = buffer.indexOf(search); i !== -1; i = buffer.indexOf(search, i + search.length)) n++
  return n
}

/** Text handed in as strings was decoded by someone else: only a leading BOM is ours to drop. */
const stripLeadingBom = () => {
  let first = true
  return (text: string): string => {
    if (!first || text.length === 0) return text
    first = false
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  }
}

const join = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const joined = new Uint8Array(a.length + b.length)
  joined.set(a)
  joined.set(b, a.length)
  return joined
}

// Why: Node 20's TextDecoder decodes windows-1252 as ISO-8859-1 (0x80 as U+0080, not €) unless it
// streams; streamed, the bytes go through ICU, which decodes them right.
const streamed = (decoder: InstanceType<typeof TextDecoder>, bytes: Uint8Array): string =>
  decoder.decode(bytes, { stream: true })

/** All of `bytes` as text in `encoding` (a leading BOM dropped; invalid bytes become U+FFFD). */
export const decodeAll = (bytes: Uint8Array, encoding: Encoding): string => {
  const decoder = make(encoding)
  return decoder.decode(bytes).text + decoder.end().text
}

export const make = (encoding: Encoding): Decoder => {
  const strip = stripLeadingBom()
  if (encoding === "latin1") {
    // Buffer's latin1 is ISO-8859-1 (TextDecoder's "latin1" would be windows-1252): every byte is valid.
    return {
      decode: (bytes) => ({
        text: strip(
          typeof bytes === "string"
            ? bytes
            : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1"),
        ),
        lossy: false,
      }),
      end: () => ({ text: "", lossy: false }),
    }
  }
  if (encoding === "windows-1252") {
    // Every byte is valid (the five it leaves undefined decode to C1 controls): never lossy.
    const decoder = new TextDecoder(encoding)
    return {
      decode: (bytes) => ({
        text: strip(typeof bytes === "string" ? bytes : streamed(decoder, bytes)),
        lossy: false,
      }),
      end: () => ({ text: "", lossy: false }),
    }
  }
  const decoder = new TextDecoder(encoding, { fatal: false, ignoreBOM: false })
  const replacement = encodedReplacement[encoding]
  // The previous piece's last bytes: a genuine U+FFFD may be split across two pieces.
  let tail = new Uint8Array(0)
  const lossy = (text: string, joined: Uint8Array | undefined): boolean => {
    if (text.indexOf(REPLACEMENT) === -1) return false
    return joined === undefined || count(text, REPLACEMENT) !== countBytes(joined, replacement)
  }
  const keep = replacement.length - 1
  return {
    decode: (bytes) => {
      if (typeof bytes === "string") return { text: strip(bytes), lossy: false }
      const text = decoder.decode(bytes, { stream: true })
      // Joined with the tail only when there is a U+FFFD to account for (copying every piece cost
      // a 32 KiB buffer per piece); the tail is shorter than a whole U+FFFD, so each one counted
      // here ends in this piece.
      const joined = text.indexOf(REPLACEMENT) === -1 && bytes.length >= keep ? undefined : join(tail, bytes)
      // A copy: a Buffer's `slice` is a view, into memory the stream may use again.
      tail = new Uint8Array((joined ?? bytes).subarray(Math.max(0, (joined ?? bytes).length - keep)))
      return { text, lossy: joined !== undefined && lossy(text, joined) }
    },
    end: () => {
      const text = decoder.decode()
      return { text, lossy: lossy(text, undefined) }
    },
  }
}
