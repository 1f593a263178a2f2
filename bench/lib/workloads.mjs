/** Workload shapes (shared by the runner and the workers). */
import { workloadRequest } from './data.mjs'

export const WORKLOADS = ['w1', 'w2', 'w3', 'w4-json', 'w4-sse']

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
  switch (name) {
    case 'w1':
    case 'w2': {
      const kind = name === 'w1' ? 'json' : 'sse'
      // Recording: one request; replay repeats it.
      if (record) return { phase: 'record', tests: [repeatTest(name, kind, 1)], warmRequests: 0 }
      return { phase: 'replay', tests: [repeatTest(name, kind, s.warm + s.repeat)], warmRequests: s.warm }
    }
    case 'w3': {
      const tests = []
      for (let t = 0; t < s.w3Tests; t++) {
        const requests = []
        for (let r = 0; r < s.w3PerTest; r++) requests.push(workloadRequest('w3', t, r))
        tests.push({ id: `w3-t${t}`, requests })
      }
      return { phase: record ? 'record' : 'replay', tests, warmRequests: 0 }
    }
    case 'w4-json':
    case 'w4-sse': {
      const kind = name === 'w4-json' ? 'json' : 'sse'
      const tests = []
      for (let t = 0; t < s.w4WarmTests + s.w4Tests; t++)
        tests.push(repeatTest(`w4-t${t}`, kind, s.w4PerTest))
      return { phase: 'record', tests, warmRequests: s.w4WarmTests * s.w4PerTest }
    }
    default:
      throw new Error(`unknown workload ${name}`)
  }
}
