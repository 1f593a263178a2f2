/**
 * XML bodies (AWS STS and other Query APIs, SOAP): the text of an element with a credential
 * name, and of every element inside one, is replaced as a JSON field of that name would be
 * (`<SecretAccessKey>`, `<Credentials>…</Credentials>`); so is the value of an attribute with
 * a credential name. Every other byte of the body stays as it was, so a replay sends it back.
 */
import { isCredentialField } from './credential-names.js'
import { REDACTED } from './placeholder.js'

/** A whole body that is an XML document or element, not text that mentions a tag. */
export function looksLikeXml(text: string): boolean {
  const start = text.trimStart()
  return /^<(?:\?xml|[A-Za-z_])/.test(start) && start.trimEnd().endsWith('>') && text.length < 5_000_000
}

// CDATA, comments and declarations, closing tags, opening (or empty) tags with their attributes.
const MARKUP =
  /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<[?!][^>]*>|<\/[^>]*>|<([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g
const ATTRIBUTE = /(\s+)([^\s=/>]+)(\s*=\s*)(?:"([^"]*)"|'([^']*)')/g

interface Open {
  name: string
  /** The element or one around it has a credential name: all text inside is a credential's. */
  named: boolean
}

export function redactXml(text: string, found: Set<string>, extra?: ReadonlySet<string>): string {
  if (!looksLikeXml(text)) return text
  const stack: Open[] = []
  let out = ''
  let from = 0
  for (const match of text.matchAll(MARKUP)) {
    const at = match.index
    out += redactContent(text.slice(from, at), stack.at(-1), found, extra)
    from = at + match[0].length
    const [whole, cdata, name, attributes, selfClosing] = match
    if (cdata !== undefined) {
      const content = redactContent(cdata, stack.at(-1), found, extra)
      out += `<![CDATA[${content}]]>`
    } else if (name === undefined) {
      if (whole.startsWith('</')) stack.pop()
      out += whole
    } else {
      const local = localName(name)
      out += `<${name}${redactAttributes(attributes ?? '', found, extra)}${whole.slice(1 + name.length + (attributes ?? '').length)}`
      if (selfClosing !== '/')
        stack.push({ name: local, named: (stack.at(-1)?.named ?? false) || isCredentialField(local, extra) })
    }
  }
  return out + redactContent(text.slice(from), stack.at(-1), found, extra)
}

/** The text of the innermost open element, its surrounding whitespace kept. */
function redactContent(
  content: string,
  open: Open | undefined,
  found: Set<string>,
  extra: ReadonlySet<string> | undefined,
): string {
  const value = content.trim()
  if (open === undefined || value === '' || value === REDACTED) return content
  if (!open.named && !isCredentialField(open.name, extra, decodeEntities(value))) return content
  found.add(value)
  found.add(decodeEntities(value))
  const start = content.indexOf(value)
  return `${content.slice(0, start)}${REDACTED}${content.slice(start + value.length)}`
}

function redactAttributes(attributes: string, found: Set<string>, extra?: ReadonlySet<string>): string {
  if (attributes === '') return attributes
  return attributes.replace(
    ATTRIBUTE,
    (whole, space, name: string, equals, double?: string, single?: string) => {
      const value = double ?? single ?? ''
      const quote = double === undefined ? "'" : '"'
      const decoded = decodeEntities(value)
      if (value === '' || value === REDACTED || !isCredentialField(localName(name), extra, decoded))
        return whole
      found.add(value)
      found.add(decoded)
      return `${space}${name}${equals}${quote}${REDACTED}${quote}`
    },
  )
}

/** `soap:Password` → `Password`: the namespace prefix says nothing about the value. */
function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1)
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(/&(?:#x([0-9a-f]+)|#(\d+)|(amp|lt|gt|quot|apos));/gi, (whole, hex, decimal, named) => {
    if (named) return ENTITIES[named.toLowerCase()] ?? whole
    const code = Number.parseInt(hex ?? decimal, hex ? 16 : 10)
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole
  })
}
