/**
 * multipart/form-data without its boundary. The boundary is random on every run, so a
 * stored upload is its parts; the key and the stored form are the same on every run.
 */
import { isUtf8 } from 'node:buffer'

export interface StoredPart {
  name?: string
  filename?: string
  content_type?: string
  body?: string
  body_base64?: string
}

export function boundaryOf(contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  return match ? (match[1] ?? match[2])?.trim() : undefined
}

export function parseMultipart(bytes: Buffer, boundary: string): StoredPart[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`)
  const parts: StoredPart[] = []
  let position = bytes.indexOf(delimiter)
  if (position !== 0) return undefined
  while (true) {
    position += delimiter.length
    if (bytes.subarray(position, position + 2).toString() === '--') return parts
    position += 2 // CRLF after the delimiter
    const next = bytes.indexOf(delimiter, position)
    if (next === -1) return undefined
    const part = parsePart(bytes.subarray(position, next - 2)) // CRLF before the delimiter
    if (!part) return undefined
    parts.push(part)
    position = next
  }
}

function parsePart(raw: Buffer): StoredPart | undefined {
  const headerEnd = raw.indexOf('\r\n\r\n')
  if (headerEnd === -1) return undefined
  const part: StoredPart = {}
  for (const line of raw.subarray(0, headerEnd).toString('utf8').split('\r\n')) {
    const [name = '', ...rest] = line.split(':')
    const value = rest.join(':').trim()
    if (name.toLowerCase() === 'content-disposition') {
      const fieldName = /\bname="([^"]*)"/.exec(value)?.[1]
      const filename = /\bfilename="([^"]*)"/.exec(value)?.[1]
      if (fieldName !== undefined) part.name = fieldName
      if (filename !== undefined) part.filename = filename
    } else if (name.toLowerCase() === 'content-type') {
      part.content_type = value
    }
  }
  const body = raw.subarray(headerEnd + 4)
  if (isUtf8(body)) part.body = body.toString('utf8')
  else part.body_base64 = body.toString('base64')
  return part
}
