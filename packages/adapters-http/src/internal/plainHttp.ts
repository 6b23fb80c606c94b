/**
 * The rule for secrets over plain `http://`: a token or credential goes unencrypted only to this
 * machine (a loopback host), unless the user consented for a trusted network.
 */

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i

/** Whether sending a secret to `url` exposes it: plain http to a host that is not loopback. */
export const exposesSecret = (url: URL): boolean => url.protocol === "http:" && !LOOPBACK.test(url.hostname)

/** The refusal, one line: what would leak, where, and the two ways out. */
export const refusal = (secret: string, url: URL, consent: string): string =>
  `refusing to send ${secret} over plain http:// to ${url.hostname}; use https://, or set ${consent} if the network is trusted`
