// Used only to (re-)record the demo: the demo has no API keys, so live traffic goes to the
// project's loopback stand-in for the OpenAI and Anthropic APIs instead of the real hosts.
// The recordings still name api.openai.com and api.anthropic.com, as a real recording would.
import { Agent } from 'undici'
import { startFakeApi } from '../../test/support/fake-apis.js'

const standIn = await startFakeApi({ randomIds: true })
const agent = new Agent()

export default {
  upstream: {
    dispatch: (options: { origin: string }, handler: unknown) =>
      agent.dispatch({ ...options, origin: standIn.url } as never, handler as never),
  },
}
