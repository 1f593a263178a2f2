/** Requests that are never recorded: a test's own server, a local database's HTTP API. */
import type { UrlPattern } from './options.js'

export type PassthroughOption =
  | UrlPattern[]
  | ((request: { method: string; url: string }) => boolean)
  | undefined

export function matchesPassthrough(option: PassthroughOption, method: string, url: string): boolean {
  if (!option) return false
  if (typeof option === 'function') return option({ method, url })
  return option.some((pattern) =>
    typeof pattern === 'string' ? matchesString(pattern, url) : pattern.test(url),
  )
}

/** A string pattern matches a URL prefix (`http://127.0.0.1:3000`) or, with `*`, a glob. */
function matchesString(pattern: string, url: string): boolean {
  if (!pattern.includes('*')) return url.startsWith(pattern)
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${source}`).test(url)
}
