/**
 * Handler events → the HTTP/1.1 bytes a server would have written, for Node's own response
 * parser on the client side. Each data event becomes one write (one chunk of chunked
 * encoding), so the client's response emits one 'data' per event, as it did from the network.
 */
import { STATUS_CODES } from 'node:http'
import type { ResponseHeaders } from '../../wire/handler-api.js'

/**
 * They describe the hop to the real server (or our replay), not this socket: framing is ours,
 * and this socket stays usable for the client's next request whatever the server said.
 */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length'])

export interface ResponseFraming {
  /** The head to write before the body. */
  head: Buffer
  /** How each body chunk goes on the wire. */
  chunk(data: Buffer): Buffer | undefined
  /** What ends the body (the last chunk of chunked encoding, or nothing). */
  end: Buffer | undefined
}

export interface ResponseStart {
  status: number
  statusText: string
  headers: ResponseHeaders
  /** HEAD requests and 1xx/204/304 responses have no body, whatever the headers say. */
  bodiless: boolean
}

export function responseFraming(start: ResponseStart): ResponseFraming {
  const lines = [`HTTP/1.1 ${start.status} ${start.statusText || STATUS_CODES[start.status] || ''}`]
  let contentLength: string | undefined
  for (const [name, value] of Object.entries(start.headers)) {
    const lower = name.toLowerCase()
    if (lower === 'content-length') contentLength = String(value)
    if (HOP_HEADERS.has(lower)) continue
    for (const item of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${item}`)
  }
  if (start.bodiless) {
    if (contentLength !== undefined) lines.push(`content-length: ${contentLength}`)
    // A HEAD answer with neither would read as "body until close" and lose keep-alive.
    else if (hasBodyFraming(start.status)) lines.push('transfer-encoding: chunked')
    return { head: headOf(lines), chunk: () => undefined, end: undefined }
  }
  if (contentLength !== undefined) {
    lines.push(`content-length: ${contentLength}`)
    return { head: headOf(lines), chunk: (data) => data, end: undefined }
  }
  lines.push('transfer-encoding: chunked')
  return {
    head: headOf(lines),
    chunk: (data) =>
      data.length === 0
        ? undefined
        : Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, CRLF]),
    end: LAST_CHUNK,
  }
}

function hasBodyFraming(status: number): boolean {
  return status >= 200 && status !== 204 && status !== 304
}

export function isBodiless(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)
}

export const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n')
const CRLF = Buffer.from('\r\n')
const LAST_CHUNK = Buffer.from('0\r\n\r\n')

function headOf(lines: string[]): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')
}
