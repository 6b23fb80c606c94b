/**
 * Characters a reader cannot see in a value: Unicode format characters (Cf: zero-width spaces
 * and joiners, direction marks, embeddings, overrides and isolates, the byte order mark), the
 * other default-ignorable code points (fillers, variation selectors) and controls (Cc). In an
 * identifier such as an email they make two values that look the same differ, or make one
 * display as another (a right-to-left override reverses what follows it).
 */

const HIDDEN = /[\p{Cf}\p{Cc}\p{Default_Ignorable_Code_Point}]/u

/** One such character of a text: its code point and its position (1 = the first character). */
export interface Found {
  readonly codePoint: number
  readonly position: number
}

/** The first invisible or control character of `text`, if any. */
export const find = (text: string): Found | undefined => {
  const match = HIDDEN.exec(text)
  if (match === null) return undefined
  // Counted in characters (code points), as a reader counts them, not in UTF-16 units.
  const position = Array.from(text.slice(0, match.index)).length + 1
  return { codePoint: match[0].codePointAt(0)!, position }
}

/**
 * "an invisible character (U+200B ZERO WIDTH SPACE) at position 5". Names are kept for the
 * characters met in pasted or forged text; the full Unicode name list is megabytes, too much to
 * bundle for a message, so the rest are named by code point only.
 */
export const describe = (found: Found): string => {
  const code = `U+${found.codePoint.toString(16).toUpperCase().padStart(4, "0")}`
  const name = NAMES.get(found.codePoint)
  return `${kind(found.codePoint)} (${name === undefined ? code : `${code} ${name}`}) at position ${found.position}`
}

const kind = (codePoint: number) =>
  DIRECTION_CONTROLS.has(codePoint)
    ? "a direction-control character"
    : codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0)
      ? "a control character"
      : "an invisible character"

const DIRECTION_CONTROLS = new Set([
  0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
])

const NAMES = new Map<number, string>([
  [0x0000, "NULL"],
  [0x0009, "CHARACTER TABULATION"],
  [0x000a, "LINE FEED"],
  [0x000d, "CARRIAGE RETURN"],
  [0x001b, "ESCAPE"],
  [0x007f, "DELETE"],
  [0x00ad, "SOFT HYPHEN"],
  [0x034f, "COMBINING GRAPHEME JOINER"],
  [0x061c, "ARABIC LETTER MARK"],
  [0x115f, "HANGUL CHOSEONG FILLER"],
  [0x1160, "HANGUL JUNGSEONG FILLER"],
  [0x180e, "MONGOLIAN VOWEL SEPARATOR"],
  [0x200b, "ZERO WIDTH SPACE"],
  [0x200c, "ZERO WIDTH NON-JOINER"],
  [0x200d, "ZERO WIDTH JOINER"],
  [0x200e, "LEFT-TO-RIGHT MARK"],
  [0x200f, "RIGHT-TO-LEFT MARK"],
  [0x202a, "LEFT-TO-RIGHT EMBEDDING"],
  [0x202b, "RIGHT-TO-LEFT EMBEDDING"],
  [0x202c, "POP DIRECTIONAL FORMATTING"],
  [0x202d, "LEFT-TO-RIGHT OVERRIDE"],
  [0x202e, "RIGHT-TO-LEFT OVERRIDE"],
  [0x2060, "WORD JOINER"],
  [0x2061, "FUNCTION APPLICATION"],
  [0x2062, "INVISIBLE TIMES"],
  [0x2063, "INVISIBLE SEPARATOR"],
  [0x2064, "INVISIBLE PLUS"],
  [0x2066, "LEFT-TO-RIGHT ISOLATE"],
  [0x2067, "RIGHT-TO-LEFT ISOLATE"],
  [0x2068, "FIRST STRONG ISOLATE"],
  [0x2069, "POP DIRECTIONAL ISOLATE"],
  [0x3164, "HANGUL FILLER"],
  [0xfeff, "ZERO WIDTH NO-BREAK SPACE"],
  [0xffa0, "HALFWIDTH HANGUL FILLER"],
  [0xfff9, "INTERLINEAR ANNOTATION ANCHOR"],
  [0xfffa, "INTERLINEAR ANNOTATION SEPARATOR"],
  [0xfffb, "INTERLINEAR ANNOTATION TERMINATOR"],
  ...Array.from({ length: 16 }, (_, i) => [0xfe00 + i, `VARIATION SELECTOR-${i + 1}`] as const),
])
