/**
 * Deterministic payloads shared by every contender: generated from a fixed seed, so the
 * loopback server, the in-memory mocks and the recorded fixtures all hold the same bytes.
 */

const WORDS = (
  'the quick brown fox jumps over a lazy dog while seven large models stream tokens ' +
  'across loopback sockets recording replay fixture cassette snapshot latency throughput ' +
  'request response header body chunk event server client median percentile process ' +
  'memory cold warm start vector embedding prompt answer system user assistant tool'
).split(' ')

function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function words(seed, chars) {
  const next = prng(seed)
  let out = ''
  while (out.length < chars) out += (out ? ' ' : '') + WORDS[Math.floor(next() * WORDS.length)]
  return out.slice(0, chars)
}

const MODEL = 'gpt-4o-mini'
const CREATED = 1700000000

/** ~1 KB chat-completion request body. */
export function requestBody(seed, { stream = false, tag = 'w1' } = {}) {
  return JSON.stringify({
    model: MODEL,
    messages: [
      { role: 'system', content: `You are a benchmark fixture (${tag}). ${words(seed + 1, 120)}` },
      { role: 'user', content: words(seed + 2, 700) },
    ],
    temperature: 0,
    max_tokens: 512,
    ...(stream ? { stream: true } : {}),
    metadata: { tag },
  })
}

/** ~2 KB chat-completion response body (compact JSON, so re-serialising it is exact). */
export function jsonResponse(seed, id = `chatcmpl-bench${seed}`) {
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created: CREATED,
    model: MODEL,
    system_fingerprint: 'fp_bench',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: words(seed + 3, 1760), refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 212, completion_tokens: 398, total_tokens: 610 },
  })
}

/** 60 SSE events (role, 56 content deltas, stop, usage, [DONE]), ~21 KB, as the list of events the server writes. */
export function sseEvents(seed) {
  const events = []
  const base = {
    id: `chatcmpl-bench${seed}`,
    object: 'chat.completion.chunk',
    created: CREATED,
    model: MODEL,
  }
  const chunk = (delta, finish) =>
    `data: ${JSON.stringify({
      ...base,
      system_fingerprint: 'fp_bench',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })}\n\n`
  events.push(chunk({ role: 'assistant', content: '', refusal: null }, null))
  for (let i = 1; i <= 56; i++) events.push(chunk({ content: ` ${words(seed * 100 + i, 146)}` }, null))
  events.push(chunk({}, 'stop'))
  events.push(
    `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 212, completion_tokens: 1400, total_tokens: 1612 } })}\n\n`,
  )
  events.push('data: [DONE]\n\n')
  return events
}

export const JSON_HEADERS = { 'content-type': 'application/json' }
export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }

/**
 * Every route the loopback server answers, keyed by path. `chunks` is what the server writes
 * (one write per SSE event); `body` is the concatenation every contender must hand back.
 */
export function route(path) {
  let found = routeCache.get(path)
  if (!found) {
    found = makeRoute(path)
    if (found) routeCache.set(path, found)
  }
  return found
}

// The server answers from here on every request: generating the text each time (60 SSE events
// from a PRNG) cost the loopback rows more than a real server's write would.
const routeCache = new Map()

function makeRoute(path) {
  if (path === '/v1/w1/chat/completions') {
    return { headers: JSON_HEADERS, chunks: [jsonResponse(1)] }
  }
  if (path === '/v1/w2/chat/completions') {
    return { headers: SSE_HEADERS, chunks: sseEvents(2) }
  }
  const m = /^\/v1\/w3\/t(\d+)\/r(\d+)\/chat\/completions$/.exec(path)
  if (m) {
    const seed = 10_000 + Number(m[1]) * 100 + Number(m[2])
    return { headers: JSON_HEADERS, chunks: [jsonResponse(seed)] }
  }
  return undefined
}

/** The request for workload w1/w2 (repeated) or one distinct w3 request. */
export function workloadRequest(kind, test = 0, index = 0) {
  if (kind === 'json') return { path: '/v1/w1/chat/completions', body: requestBody(1, { tag: 'w1' }) }
  if (kind === 'sse') {
    return { path: '/v1/w2/chat/completions', body: requestBody(2, { stream: true, tag: 'w2' }) }
  }
  return {
    path: `/v1/w3/t${test}/r${index}/chat/completions`,
    body: requestBody(10_000 + test * 100 + index, { tag: `w3-t${test}-r${index}` }),
  }
}

const expectedCache = new Map()
/** The exact response bytes for a path. */
export function expectedBody(path) {
  let bytes = expectedCache.get(path)
  if (!bytes) {
    bytes = Buffer.from(route(path).chunks.join(''))
    expectedCache.set(path, bytes)
  }
  return bytes
}
