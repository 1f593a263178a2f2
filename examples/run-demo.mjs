// `npm run demo`: runs the example project's tests. They call the OpenAI, Anthropic and Vercel
// AI SDKs; the committed recordings answer them offline (CI=true: replay, nothing recorded),
// and the run ends with the recordings summary. `npm run demo -- --record` re-records them.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const demo = join(dirname(fileURLToPath(import.meta.url)), 'demo')
const vitest = join(demo, '..', '..', 'node_modules', 'vitest', 'vitest.mjs')
const record = process.argv.includes('--record')
const env = record
  ? { ...process.env, DEMO_RECORD: '1', UPDATE_RECORDINGS: '1', CI: '' }
  : { ...process.env, CI: 'true' }
const result = spawnSync(process.execPath, [vitest, 'run'], { cwd: demo, env, stdio: 'inherit' })
process.exitCode = result.status ?? 1
