/**
 * What the parent tells the preload of the workers it starts (worker-guard.ts), through an
 * environment variable: a worker's environment is the only channel that exists before its
 * first line runs. Passthrough patterns cross as strings and regular expression sources; a
 * passthrough function cannot cross threads, so under one only loopback hosts are let through.
 */
import type { UrlPattern } from '../../config/options.js'
import type { PassthroughOption } from '../../config/passthrough.js'

export const WORKER_GUARD_ENV = 'FETCH_RECORDINGS_WORKER_GUARD'

type EncodedPattern = { prefix: string } | { source: string; flags: string }

export function encodeWorkerGuardSettings(passthrough: PassthroughOption): string {
  const patterns = Array.isArray(passthrough) ? passthrough : []
  const encoded: EncodedPattern[] = patterns.map((pattern) =>
    typeof pattern === 'string' ? { prefix: pattern } : { source: pattern.source, flags: pattern.flags },
  )
  return JSON.stringify({ passthrough: encoded })
}

export function decodeWorkerGuardSettings(text: string | undefined): { passthrough: UrlPattern[] } {
  if (!text) return { passthrough: [] }
  const { passthrough } = JSON.parse(text) as { passthrough: EncodedPattern[] }
  return {
    passthrough: passthrough.map((pattern) =>
      'prefix' in pattern ? pattern.prefix : new RegExp(pattern.source, pattern.flags),
    ),
  }
}
