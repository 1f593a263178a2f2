/**
 * Reads the HTTP/1.1 requests a `ClientRequest` writes to its socket, in whatever pieces they
 * arrive: the request line and headers, then the body framed by content-length or chunked
 * encoding. The head is announced as soon as it is complete (so `Expect: 100-continue` can be
 * answered before the client sends the body); the request when its body is complete. Several
 * requests follow each other on a kept-alive socket.
 */

export interface RequestHead {
  method: string
  /** The request target as written: a path, or an absolute URI when it goes to a proxy. */
  target: string
  /** Names and values in the order and case the client wrote them: name, value, name, value. */
  rawHeaders: string[]
}

export interface ParsedRequest extends RequestHead {
  body: Buffer
}

export interface RequestEvents {
  head(head: RequestHead): void
  request(request: ParsedRequest): void
}

const HEAD_END = Buffer.from('\r\n\r\n')
const LINE_END = Buffer.from('\r\n')
/** Far beyond any real client's head (Node's own limit is 16 KB): a runaway is an error, not a hang. */
const MAX_HEAD_BYTES = 1024 * 1024

type BodyFraming = { kind: 'length'; remaining: number } | { kind: 'chunked'; inChunk: number }

export class RequestParser {
  private buffered: Buffer = Buffer.alloc(0)
  private head: RequestHead | undefined
  private framing: BodyFraming | undefined
  private bodyParts: Buffer[] = []

  constructor(private readonly events: RequestEvents) {}

  /** Feeds bytes the client wrote; throws on bytes that are not an HTTP/1.1 request. */
  push(data: Buffer): void {
    this.buffered = this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data])
    while (this.step()) {
      // each step consumes a head, a piece of body, or a chunk
    }
  }

  private step(): boolean {
    if (!this.head) return this.readHead()
    const framing = this.framing
    if (!framing) return this.complete()
    return framing.kind === 'length' ? this.readLength(framing) : this.readChunked(framing)
  }

  private readHead(): boolean {
    const end = this.buffered.indexOf(HEAD_END)
    if (end === -1) {
      if (this.buffered.length > MAX_HEAD_BYTES) throw new Error('request head larger than 1 MB')
      return false
    }
    const lines = this.buffered.subarray(0, end).toString('latin1').split('\r\n')
    this.buffered = this.buffered.subarray(end + HEAD_END.length)
    const [method, target, version] = (lines.shift() ?? '').split(' ')
    if (!method || !target || !version?.startsWith('HTTP/1.')) {
      throw new Error(`not an HTTP/1.1 request line: ${JSON.stringify(lines[0] ?? '')}`)
    }
    const rawHeaders: string[] = []
    for (const line of lines) {
      const colon = line.indexOf(':')
      if (colon <= 0) throw new Error(`malformed request header line: ${JSON.stringify(line)}`)
      rawHeaders.push(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
    }
    this.head = { method, target, rawHeaders }
    this.framing = framingOf(rawHeaders)
    this.events.head(this.head)
    return true
  }

  private readLength(framing: { kind: 'length'; remaining: number }): boolean {
    if (framing.remaining === 0) return this.complete()
    if (this.buffered.length === 0) return false
    const take = Math.min(framing.remaining, this.buffered.length)
    this.bodyParts.push(this.buffered.subarray(0, take))
    this.buffered = this.buffered.subarray(take)
    framing.remaining -= take
    return true
  }

  private readChunked(framing: { kind: 'chunked'; inChunk: number }): boolean {
    if (framing.inChunk > 0) {
      // chunk data, then its CRLF
      if (this.buffered.length < framing.inChunk + 2) return false
      this.bodyParts.push(this.buffered.subarray(0, framing.inChunk))
      this.buffered = this.buffered.subarray(framing.inChunk + 2)
      framing.inChunk = 0
      return true
    }
    const lineEnd = this.buffered.indexOf(LINE_END)
    if (lineEnd === -1) return false
    const size = Number.parseInt(this.buffered.subarray(0, lineEnd).toString('latin1'), 16)
    if (!Number.isFinite(size) || size < 0) throw new Error('malformed chunk size in request body')
    if (size > 0) {
      this.buffered = this.buffered.subarray(lineEnd + 2)
      framing.inChunk = size
      return true
    }
    // The last chunk: optional trailers, then an empty line.
    const trailerEnd = this.buffered.indexOf(LINE_END, lineEnd + 2)
    if (trailerEnd === -1) return false
    if (trailerEnd !== lineEnd + 2) {
      const end = this.buffered.indexOf(HEAD_END, lineEnd)
      if (end === -1) return false
      this.buffered = this.buffered.subarray(end + HEAD_END.length)
    } else {
      this.buffered = this.buffered.subarray(trailerEnd + 2)
    }
    this.framing = undefined
    return this.complete()
  }

  private complete(): boolean {
    const head = this.head as RequestHead
    const body = this.bodyParts.length === 1 ? (this.bodyParts[0] as Buffer) : Buffer.concat(this.bodyParts)
    this.head = undefined
    this.framing = undefined
    this.bodyParts = []
    this.events.request({ ...head, body })
    return this.buffered.length > 0
  }
}

function framingOf(rawHeaders: string[]): BodyFraming | undefined {
  let length: number | undefined
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase()
    const value = rawHeaders[i + 1] as string
    if (name === 'transfer-encoding' && /\bchunked\b/i.test(value)) return { kind: 'chunked', inChunk: 0 }
    if (name === 'content-length') length = Number(value)
  }
  if (length === undefined) return undefined
  if (!Number.isSafeInteger(length) || length < 0) throw new Error('malformed content-length in request')
  return { kind: 'length', remaining: length }
}
