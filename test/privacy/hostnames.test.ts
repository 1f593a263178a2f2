/**
 * Host names are structure, never credentials. node:http clients (axios, got) send a `host`
 * header, and one with a digit in it (`api.example.test:8443`,
 * `bedrock-runtime.us-east-1.amazonaws.com`) has a token's character mix: judged by its value
 * it was taken as a credential, stored as `"host": "[redacted]"`, cut out of every URL that
 * named it (`next=http%3A%2F%2F[redacted]%2Fpage2`) and out of miss messages.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import axios from 'axios'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { credentialsOfRequest } from '../../src/privacy/credential-sources.js'
import { looksLikeCredential } from '../../src/privacy/credential-values.js'
import { allFiles, session, tempDir } from '../support/core-helpers.js'

const SEED = 20261210
const PURE_RUNS = 500
const RECORDED = 40

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,12}[a-z0-9])?$/)
const region = fc
  .tuple(
    fc.constantFrom('us', 'eu', 'ap', 'sa', 'ca', 'me'),
    fc.constantFrom('east', 'west', 'central', 'south', 'north', 'southeast', 'northeast'),
    fc.integer({ min: 1, max: 9 }),
  )
  .map(([area, side, n]) => `${area}-${side}-${n}`)
const service = fc.constantFrom('api', 'bedrock-runtime', 's3', 'generativelanguage', 'ollama', 'oai', 'v1')
const domain = fc.constantFrom(
  'amazonaws.com',
  'openai.azure.com',
  'googleapis.com',
  'example.test',
  'internal',
)
/** `service.region.domain`, `label.label.domain`, with digits where real ones have them. */
const hostName = fc.oneof(
  fc.tuple(service, region, domain).map((parts) => parts.join('.')),
  fc.tuple(label, label, domain).map((parts) => parts.join('.')),
  fc.tuple(label, fc.integer({ min: 0, max: 99 }), domain).map(([a, n, d]) => `${a}${n}.${d}`),
)
const port = fc.integer({ min: 1, max: 65_535 })
/** What a `host` or `:authority` carries: a name, a name and a port, a bare name and a port. */
const authority = fc.oneof(
  hostName,
  fc.tuple(hostName, port).map(([host, p]) => `${host}:${p}`),
  fc.tuple(label, port).map(([host, p]) => `${host}:${p}`),
)

describe(`host names and authorities (seed ${SEED})`, () => {
  it(`no structural header of ${PURE_RUNS} generated authorities is a credential of its request`, () => {
    fc.assert(
      fc.property(authority, (host) => {
        expect(looksLikeCredential(host)).toBe(false)
        const headers = {
          host,
          ':authority': host,
          origin: `https://${host}`,
          referer: `https://${host}/app/page2?cursor=${host}`,
          'user-agent': 'axios/1.21.1',
          accept: 'application/json, text/plain, */*',
          'accept-encoding': 'gzip, compress, deflate, br',
          'content-type': 'application/json',
          'x-forwarded-host': host,
        }
        const url = new URL(`http://${host.includes(':') ? host : `${host}:8080`}/v1/x?endpoint=${host}`)
        expect(credentialsOfRequest(headers, url, new Set())).toEqual([])
      }),
      { seed: SEED, numRuns: PURE_RUNS },
    )
  })

  it('a header of another name still counts by its value (an opaque key in `x-tenant`)', () => {
    const key = 'Zk29vQ7pLmN3xR8tYb1cWd4e'
    const url = new URL('http://api.example.test/v1/x')
    expect(credentialsOfRequest({ host: 'api.example.test', 'x-tenant': key }, url, new Set())).toEqual([key])
  })
})

let server: Server
let apiPort: number

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const host = String(req.headers.host)
      res.writeHead(200, { 'content-type': 'application/json', 'content-location': `http://${host}/page1` })
      res.end(JSON.stringify({ headers: req.headers, url: req.url, next: `http://${host}/page2?cursor=c2` }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  apiPort = (server.address() as { port: number }).port
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe(`recorded through axios: ${RECORDED} generated hosts (seed ${SEED + 1})`, () => {
  // Sent as the `host` header of a request to the loopback API, as a proxy or a test of a
  // virtual host does: what the header carries is what the generated authority says.
  const hosts = [...new Set(fc.sample(authority, { seed: SEED + 1, numRuns: RECORDED }))]
  const ask = async () => {
    const seen: string[] = []
    for (const host of hosts) {
      const { data } = await axios.get(`http://127.0.0.1:${apiPort}/echo`, { headers: { host } })
      seen.push(data.headers.host)
      // A later request naming that host: it must reach the file (and the key) as written.
      const next = await fetch(`http://127.0.0.1:${apiPort}/list?next=${encodeURIComponent(data.next)}`)
      seen.push(((await next.json()) as { url: string }).url)
    }
    return seen
  }
  const expected = () =>
    hosts.flatMap((host) => [host, `/list?next=${encodeURIComponent(`http://${host}/page2?cursor=c2`)}`])

  it('the file holds every host as sent, nothing is redacted, and a replay (CI) answers the same', async () => {
    const dir = tempDir()
    const recorded = await session(dir, 'new', ask)
    expect(recorded.thrown).toBeUndefined()
    expect(recorded.error).toBeUndefined()
    expect(recorded.result).toEqual(expected())
    const disk = allFiles(dir)
      .map((path) => readFileSync(path, 'utf8'))
      .join('\n')
    expect(disk).not.toContain('[redacted]')
    expect(recorded.outcome.redactions).toBe(0)
    for (const host of hosts) {
      expect(disk).toContain(`"host": "${host}"`)
      expect(disk).toContain(encodeURIComponent(`http://${host}/page2`))
    }
    const replayed = await session(dir, 'replay', ask)
    expect(replayed.error).toBeUndefined()
    expect(replayed.result).toEqual(expected())

    // A miss names the request as it was sent.
    const next = encodeURIComponent(`http://${hosts[0]}/page3`)
    const missed = await session(dir, 'replay', async () => {
      await axios.get(`http://127.0.0.1:${apiPort}/echo`, { headers: { host: hosts[0] } })
      await fetch(`http://127.0.0.1:${apiPort}/list?next=${next}`).catch(() => undefined)
    })
    expect(missed.error?.message).toContain(`/list?next=${next}`)
    expect(missed.error?.message).not.toContain('[redacted]')
  })
})
