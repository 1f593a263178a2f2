/**
 * In `new` and `update` mode, a connection to a non-loopback host that no transport made (a
 * client on `node:http2`, raw `net`/`tls`, a CONNECT on an undici Agent of its own) is traffic
 * the recorder never saw: it passes while recording and cannot be replayed. Each one
 * is noted with its host, for the "N requests bypassed the recorder" line of the summary.
 * The recorder's own upstream connections are marked (own-connections.ts) and not counted, nor
 * are those a user's own dispatcher opens for a request the recorder handed it (recorded,
 * replayed or passthrough: own-dispatchers.ts).
 */
import { type BlockedConnection, watchNonLoopbackConnections } from './network-guard.js'
import { isOwnConnection } from './node-http/own-connections.js'
import { isForwardedDispatch } from './own-dispatchers.js'

export function watchBypassingConnections(onBypass: (connection: BlockedConnection) => void): () => void {
  return watchNonLoopbackConnections((connection) => {
    if (!isOwnConnection(connection.host) && !isForwardedDispatch()) onBypass(connection)
    return undefined
  })
}
