/**
 * `node:http2` is not recorded (no in-process recorder supports it: a session multiplexes many
 * requests over one TLS connection that no Agent creates). In replay mode, a session to a
 * non-loopback host would reach the network, or hang offline: `http2.connect` refuses it with
 * an error naming the fix instead, and the test fails with it even if the client retries.
 * In `new`/`update` mode the connection is counted by the bypass watch.
 */
import { syncBuiltinESMExports } from 'node:module'
import { RecordingError } from '../../errors.js'
import { builtinModule } from '../builtin.js'
import { isLoopbackHost } from '../network-guard.js'

export function refuseHttp2Sessions(onRefused: (error: RecordingError) => void): () => void {
  const http2 = builtinModule<typeof import('node:http2')>('node:http2')
  const original = http2.connect
  const guarded = function (this: unknown, authority: string | URL, ...rest: unknown[]) {
    const url = typeof authority === 'string' ? new URL(authority) : authority
    const host = url.hostname.replace(/^\[|\]$/g, '')
    if (isLoopbackHost(host)) return (original as any).call(this, authority, ...rest)
    const error = new RecordingError(
      'HTTP2_UNSUPPORTED',
      `An HTTP/2 session to ${url.host} was refused: fetch-recordings records HTTP/1.1 (fetch, node:http, node:https) and this run replays. Switch the client to HTTP/1.1 and re-record with FETCH_RECORDINGS=new: for AWS SDK clients pass \`requestHandler: new NodeHttpHandler()\` (from @smithy/node-http-handler); for got drop \`http2: true\`; for axios drop \`httpVersion: 2\`.`,
    )
    onRefused(error)
    throw error
  }
  http2.connect = guarded as typeof original
  syncBuiltinESMExports()
  return () => {
    if (http2.connect === guarded) {
      http2.connect = original
      syncBuiltinESMExports()
    }
  }
}
