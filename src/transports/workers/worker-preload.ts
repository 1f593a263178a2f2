/**
 * Loaded first in every worker thread started while a replaying recorder is installed
 * (`--require`, worker-guard.ts), before the worker's own code: nothing in a worker is recorded,
 * so its connections to non-loopback hosts and its fetches to non-loopback origins are refused,
 * with the fix, before anything leaves the machine. A passthrough pattern lets a host through
 * when it matches its origin (`http://host:port/`): a worker's socket is not tied to a URL.
 * Built on its own into dist/worker-preload.cjs.
 */
import { isMainThread } from 'node:worker_threads'
import { matchesPassthrough } from '../../config/passthrough.js'
import { RecordingError, shownError } from '../../errors.js'
import { RunSecrets } from '../../recording/run-secrets.js'
import { isLoopbackHost, watchNonLoopbackConnections } from '../network-guard.js'
import { decodeWorkerGuardSettings, WORKER_GUARD_ENV } from './worker-settings.js'

const { passthrough } = decodeWorkerGuardSettings(process.env[WORKER_GUARD_ENV])

/**
 * The worker's own view of the run's secrets: its environment (a copy of the test thread's) and
 * token formats. Made at the first refusal: most workers never make one.
 */
let secrets: RunSecrets | undefined

function refusal(request: string, origin: string): RecordingError {
  secrets ??= new RunSecrets(process.env)
  const shown = (text: string) => (secrets as RunSecrets).shown(text)
  return shownError(refusalError(request, origin), shown)
}

function refusalError(request: string, origin: string): RecordingError {
  return new RecordingError(
    'WORKER_REQUEST_REFUSED',
    `${request} from a worker thread was refused: this run replays, and requests from worker threads are not recorded: make them from the test's thread, or mark the host passthrough (passthrough: ['${origin}']) if it is a local service.`,
  )
}

function guardConnections(): void {
  watchNonLoopbackConnections(({ host, port }) => {
    const origins = [`http://${hostPart(host)}:${port ?? 80}`, `https://${hostPart(host)}:${port ?? 443}`]
    const normalized = origins.map((origin) => new URL(origin).origin)
    if (normalized.some((origin) => matchesPassthrough(passthrough, 'GET', `${origin}/`))) return undefined
    return refusal(`A connection to ${host}${port ? `:${port}` : ''}`, normalized[0] as string)
  })
}

/** fetch is refused before its dispatcher runs: the error names the request, not just a socket. */
function guardFetch(): void {
  const original = globalThis.fetch
  if (typeof original !== 'function') return
  globalThis.fetch = function fetch(input: string | URL | Request, init?: RequestInit) {
    const target = targetOf(input, init)
    if (!target || isLoopbackHost(target.url.hostname.replace(/^\[|\]$/g, ''))) return original(input, init)
    // By origin, as for a connection: the socket a passed fetch opens must pass the same check.
    if (matchesPassthrough(passthrough, target.method, `${target.url.origin}/`)) return original(input, init)
    // The query may hold an API key: the message names origin and path only.
    const named = `${target.method} ${target.url.origin}${target.url.pathname}`
    return Promise.reject(refusal(named, target.url.origin))
  } as typeof fetch
}

function targetOf(
  input: string | URL | Request,
  init?: RequestInit,
): { url: URL; method: string } | undefined {
  try {
    const isRequest = typeof input === 'object' && !(input instanceof URL) && 'url' in input
    const url = new URL(isRequest ? input.url : String(input))
    const method = (init?.method ?? (isRequest ? input.method : undefined) ?? 'GET').toUpperCase()
    return { url, method }
  } catch {
    return undefined // fetch itself rejects what is not a URL, with its own error
  }
}

function hostPart(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

if (!isMainThread) {
  guardConnections()
  guardFetch()
}
