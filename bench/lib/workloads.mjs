/** Workload shapes (shared by the runner and the workers). */
import { workloadRequest } from './data.mjs'

export const WORKLOADS = ['w1', 'w2', 'w3', 'w3-warm', 'w4-json', 'w4-sse', 'first-<n>', 'relay']

/** First request vs file size: the interaction counts of one recording file. */
export function firstSizes(quick) {
  return quick ? [1, 10] : [1, 10, 100, 2000]
}

/** The relay row: W1's request, through an app process, fewer repeats than W1 (two extra hops). */
const RELAY_SIZES = { quick: { warm: 3, repeat: 10 }, full: { warm: 50, repeat: 500 } }

/** Sizes: full and --quick. */
export function sizes(quick) {
  return quick
    ? { warm: 3, repeat: 20, w3Tests: 10, w3PerTest: 3, w4WarmTests: 1, w4Tests: 2, w4PerTest: 5 }
    : { warm: 200, repeat: 2000, w3Tests: 200, w3PerTest: 10, w4WarmTests: 5, w4Tests: 100, w4PerTest: 10 }
}

/** What a workload runs: tests of requests, of which the first `warmTests` are not measured. */
export function plan(name, quick, record) {
  const s = sizes(quick)
  const repeatTest = (id, kind, n) => ({
    id,
    requests: Array.from({ length: n }, () => workloadRequest(kind)),
  })
  const first = /^first-(\d+)$/.exec(name)
  if (first) return firstPlan(Number(first[1]), record)
  switch (name) {
    case 'w1':
    case 'w2': {
      const kind = name === 'w1' ? 'json' : 'sse'
      // Recording: one request; replay repeats it.
      if (record) return { phase: 'record', tests: [repeatTest(name, kind, 1)], warmRequests: 0 }
      return { phase: 'replay', tests: [repeatTest(name, kind, s.warm + s.repeat)], warmRequests: s.warm }
    }
    case 'w3':
    case 'w3-warm': {
      // Warm: first as many tests of their own, with their own distinct requests, as 10% of
      // W3's, not measured; then W3's tests (the same recordings).
      const warmTests = name === 'w3-warm' ? Math.max(1, s.w3Tests / 10) : 0
      const tests = []
      for (let t = 0; t < warmTests; t++) tests.push(w3Test(`w3-warm-t${t}`, 5000 + t, s.w3PerTest))
      for (let t = 0; t < s.w3Tests; t++) tests.push(w3Test(`w3-t${t}`, t, s.w3PerTest))
      return { phase: record ? 'record' : 'replay', tests, warmRequests: warmTests * s.w3PerTest }
    }
    case 'w4-json':
    case 'w4-sse': {
      const kind = name === 'w4-json' ? 'json' : 'sse'
      const tests = []
      for (let t = 0; t < s.w4WarmTests + s.w4Tests; t++)
        tests.push(repeatTest(`w4-t${t}`, kind, s.w4PerTest))
      return { phase: 'record', tests, warmRequests: s.w4WarmTests * s.w4PerTest }
    }
    case 'relay': {
      const r = quick ? RELAY_SIZES.quick : RELAY_SIZES.full
      if (record) return { phase: 'record', tests: [repeatTest('relay', 'json', 1)], warmRequests: 0 }
      return {
        phase: 'replay',
        tests: [repeatTest('relay', 'json', r.warm + r.repeat)],
        warmRequests: r.warm,
      }
    }
    default:
      throw new Error(`unknown workload ${name}`)
  }
}

/**
 * One test whose recording holds `n` distinct W3-style interactions, replayed once each in
 * order; every request is measured (the row is about the first one). Test index 9000 keeps the
 * paths apart from W3's; the requests of a smaller n are a prefix of a larger one's.
 */
function firstPlan(n, record) {
  const requests = Array.from({ length: n }, (_, r) => workloadRequest('w3', 9000, r))
  return { phase: record ? 'record' : 'replay', tests: [{ id: `first-n${n}`, requests }], warmRequests: 0 }
}

function w3Test(id, index, perTest) {
  return { id, requests: Array.from({ length: perTest }, (_, r) => workloadRequest('w3', index, r)) }
}
