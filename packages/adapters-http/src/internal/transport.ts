/**
 * Turns what the HTTP client reports into core's `TransportError`, deciding whether the batch may
 * have been applied. Only failures that happen before a connection exists are known not to have
 * reached the CRM; anything later (a reset, a closed socket, a timeout) may have, since the
 * request can have been read in full before the answer was lost.
 *
 * The cause kept is the socket-level error alone, never the client's request object, which holds
 * the headers and so the bearer token.
 */
import type { HttpClientError } from "@effect/platform"
import { type Contact, ContactSink } from "@brainsync/core"

const NOT_CONNECTED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
])

/** The first `code` found along an error's chain of causes. */
export const errorCode = (error: unknown): string | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { readonly code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { readonly cause?: unknown }).cause
  }
  return undefined
}

const describe = (error: unknown): string => {
  const code = errorCode(error)
  const message = error instanceof Error ? error.message : "unknown error"
  return code === undefined ? message : `${code}: ${message}`
}

/** A failure of the client before any status arrived. */
export const fromClientError = (error: HttpClientError.HttpClientError): ContactSink.TransportError => {
  const cause: unknown = error.cause
  if (error._tag === "RequestError" && error.reason !== "Transport") {
    return new ContactSink.TransportError({
      reason: "ConnectionFailed",
      message: `the request could not be built (${error.reason})`,
      maybeApplied: false,
    })
  }
  if (error._tag === "ResponseError") {
    return new ContactSink.TransportError({
      reason: "ResponseLost",
      message: `the response broke off while being read (${describe(cause)})`,
      maybeApplied: true,
      status: error.response.status,
      cause,
    })
  }
  const code = errorCode(cause)
  if (code !== undefined && NOT_CONNECTED.has(code)) {
    return new ContactSink.TransportError({
      reason: "ConnectionFailed",
      message: `could not connect to the CRM (${describe(cause)})`,
      maybeApplied: false,
      cause,
    })
  }
  return new ContactSink.TransportError({
    reason: "ResponseLost",
    message: `the connection closed before the CRM answered (${describe(cause)}); the batch may have been applied`,
    maybeApplied: true,
    cause,
  })
}

export const timedOut = (timeout: string): ContactSink.TransportError =>
  new ContactSink.TransportError({
    reason: "Timeout",
    message: `no answer from the CRM within ${timeout}; the batch may have been applied`,
    maybeApplied: true,
  })

/** Contacts the CRM cannot match again on a resend: no contactId, email or mobile number. */
export const countUnidentified = (contacts: ReadonlyArray<Contact.Contact>): number => {
  let count = 0
  for (const contact of contacts) {
    if (
      contact.contactId == null &&
      (contact.email == null || contact.email === "") &&
      contact.mobileNumber == null
    )
      count++
  }
  return count
}

/**
 * A lost response's error, saying how many of its contacts a resend could duplicate (the CRM
 * matches the others again by contactId, email or mobile).
 */
export const withDuplicateRisk = (
  error: ContactSink.TransportError,
  unidentified: number,
): ContactSink.TransportError =>
  unidentified === 0
    ? error
    : new ContactSink.TransportError({
        reason: error.reason,
        message: `${error.message}; ${unidentified} of its contacts have no contactId, email or mobile, so resending them may create duplicates`,
        maybeApplied: error.maybeApplied,
        status: error.status,
        cause: error.cause,
      })
