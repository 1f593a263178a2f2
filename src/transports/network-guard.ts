/**
 * `blockNetwork`: in replay mode, refuse every non-loopback TCP connection, whoever opens it
 * (node:http, axios, a database driver), so a CI run can prove it stayed offline. fetch and
 * undici traffic never gets this far (the dispatcher serves or fails it); this catches the
 * clients that bypass fetch. Patching `net.Socket.prototype.connect` covers net.connect,
 * http(s) agents and tls, which all end there.
 */
import net from 'node:net'
import { RecordingError } from '../errors.js'

export interface BlockedConnection {
  host: string
  port: number | undefined
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\]|::ffff:127\.\d+\.\d+\.\d+)$/i

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host)
}

/** Installs the guard; returns the function that removes it. */
export function blockNonLoopbackConnections(
  onBlocked: (connection: BlockedConnection, error: RecordingError) => void,
): () => void {
  return watchNonLoopbackConnections((target) => {
    const error = new RecordingError(
      'NETWORK_BLOCKED',
      `A connection to ${target.host}${target.port ? `:${target.port}` : ''} was refused: blockNetwork is on and this run replays (nothing may leave the machine). Record this traffic through fetch or node:http(s) (FETCH_RECORDINGS=new), add the host to passthrough for a local service, or turn blockNetwork off.`,
    )
    onBlocked(target, error)
    return error
  })
}

/**
 * Calls `onConnection` for every TCP connection to a non-loopback host, before it is made;
 * an error it returns refuses the connection (the socket is destroyed with it). Returns the
 * function that removes the watch.
 */
export function watchNonLoopbackConnections(
  onConnection: (connection: BlockedConnection) => Error | undefined,
): () => void {
  const original = net.Socket.prototype.connect
  const watched = function (this: net.Socket, ...args: unknown[]) {
    const target = targetOf(args)
    if (!target || isLoopbackHost(target.host)) return (original as any).apply(this, args)
    const error = onConnection(target)
    if (!error) return (original as any).apply(this, args)
    process.nextTick(() => this.destroy(error))
    return this
  }
  net.Socket.prototype.connect = watched as typeof original
  return () => {
    if (net.Socket.prototype.connect === watched) net.Socket.prototype.connect = original
  }
}

function targetOf(args: unknown[]): BlockedConnection | undefined {
  // Node passes its normalized [options, callback] pair as the first argument internally.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0]
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: string; hostname?: string; port?: number | string; path?: string }
    if (options.path) return undefined // IPC socket: local by definition
    return { host: options.host ?? options.hostname ?? 'localhost', port: toPort(options.port) }
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: toPort(first) }
  }
  return undefined // a path string: IPC
}

function toPort(value: unknown): number | undefined {
  const port = Number(value)
  return Number.isFinite(port) ? port : undefined
}
