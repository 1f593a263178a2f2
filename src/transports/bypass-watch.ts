/**
 * In `new` and `update` mode, a connection to a non-loopback host that no transport made (a
 * client on `node:http2`, raw `net`/`tls`, a `fetch(url, { dispatcher })` with an Agent of its
 * own) is traffic the recorder never saw: it passes while recording and fails in CI. Each one
 * is noted with its host, for the "N requests bypassed the recorder" line of the summary.
 * The recorder's own upstream connections are marked (own-connections.ts) and not counted.
 */
import { type BlockedConnection, watchNonLoopbackConnections } from './network-guard.js'
import { isOwnConnection } from './node-http/own-connections.js'

export function watchBypassingConnections(onBypass: (connection: BlockedConnection) => void): () => void {
  return watchNonLoopbackConnections((connection) => {
    if (!isOwnConnection(connection.host)) onBypass(connection)
    return undefined
  })
}
