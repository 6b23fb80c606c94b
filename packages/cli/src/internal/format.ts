/** Small text helpers shared by the progress display and the summary. */

export interface Style {
  readonly color: boolean
}

/** Colour only on a terminal, and never when `NO_COLOR` is set to anything (https://no-color.org). */
export const styleFor = (stream: { readonly isTTY?: boolean | undefined }): Style => ({
  color: stream.isTTY === true && (process.env["NO_COLOR"] ?? "") === "" && process.env["TERM"] !== "dumb",
})

const paint = (code: string) => (style: Style, text: string) =>
  style.color ? `\x1b[${code}m${text}\x1b[0m` : text

export const bold = paint("1")
export const dim = paint("2")
export const green = paint("32")
export const yellow = paint("33")
export const red = paint("31")
export const cyan = paint("36")

const grouping = new Intl.NumberFormat("en-US")
export const count = (n: number): string => grouping.format(Math.round(n))

/** `0:07`, `1:02:03`. */
export const clock = (millis: number): string => {
  const total = Math.max(0, Math.round(millis / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = String(total % 60).padStart(2, "0")
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`
}

const two = (n: number) => String(n).padStart(2, "0")

/** `2026-01-02 04:04:05+01:00`: local time with its offset from UTC (RFC 3339), so that it says which zone it is in. */
export const timestamp = (millis: number): string => {
  const date = new Date(millis)
  const offset = -date.getTimezoneOffset()
  const zone = `${offset < 0 ? "-" : "+"}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}${zone}`
}

/** `850 ms`, `4.2 s`, `3 min 10 s`. */
export const duration = (millis: number): string =>
  millis < 1000
    ? `${Math.round(millis)} ms`
    : millis < 60_000
      ? `${(millis / 1000).toFixed(1)} s`
      : `${Math.floor(millis / 60_000)} min ${Math.round((millis % 60_000) / 1000)} s`

/** The printable width of text that may hold colour codes. */
const ESCAPE = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g")
export const width = (text: string): number => text.replace(ESCAPE, "").length

export const padEnd = (text: string, size: number) => text + " ".repeat(Math.max(0, size - width(text)))
export const padStart = (text: string, size: number) => " ".repeat(Math.max(0, size - width(text))) + text

/** Cuts text (with colour codes) to `size` printable characters, so that a line never wraps. */
export const truncate = (text: string, size: number): string => {
  let shown = 0
  let out = ""
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\x1b") {
      const end = text.indexOf("m", i)
      if (end !== -1) {
        out += text.slice(i, end + 1)
        i = end
        continue
      }
    }
    if (shown >= size) break
    out += text[i]
    shown++
  }
  return out
}
