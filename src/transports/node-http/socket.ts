/**
 * The socket an http(s) Agent gets instead of a TCP (or TLS) connection: a Duplex with the
 * parts of `net.Socket`'s surface that Node's http client, its Agent and the clients on top
 * read. It "connects" a turn later (`connecting` is true until then and 'connect' follows,
 * which AWS's connection timeout and got's timings wait for), keeps an idle timeout like
 * `net.Socket#setTimeout` (`req.setTimeout`, agent free-socket timeouts), and hands what the
 * client writes to `onWrite`. Responses are pushed into its readable side; `push` returning
 * false is the client's back-pressure.
 */
import { Duplex } from 'node:stream'
// node:timers, not the globals: fake timers in a test must not stop a socket.
import { clearTimeout, setImmediate, setTimeout } from 'node:timers'

export interface SocketTarget {
  host: string
  port: number
  /** An https connection: the socket looks like a TLS socket that completed its handshake. */
  secure: boolean
}

export interface SocketCallbacks {
  write(data: Buffer): void
  /** The socket was destroyed (by the client, a timeout, or an error): stop what is in flight. */
  destroyed(error: Error | null): void
  /** The client finished writing; true when nothing is in flight, so the readable side may end. */
  ended(): boolean
  /** Asked for more response bytes after a push returned false. */
  drained(): void
}

export class RecordingSocket extends Duplex {
  connecting = true
  timeout = 0
  readonly remoteAddress: string
  readonly remotePort: number
  readonly remoteFamily: string
  readonly localAddress = '127.0.0.1'
  readonly localPort = 0
  readonly encrypted: boolean | undefined
  readonly authorized: boolean | undefined
  readonly alpnProtocol: string | false | undefined
  bytesWritten = 0
  private idleTimer: NodeJS.Timeout | undefined
  private callbacks: SocketCallbacks | undefined

  constructor(readonly target: SocketTarget) {
    super({ allowHalfOpen: false })
    this.remoteAddress = target.host
    this.remotePort = target.port
    this.remoteFamily = target.host.includes(':') ? 'IPv6' : 'IPv4'
    if (target.secure) {
      this.encrypted = true
      this.authorized = true
      this.alpnProtocol = 'http/1.1'
    }
    // A turn later, as a real connection: the request's 'socket' event (a nextTick) sees it connecting.
    setImmediate(() => this.connected())
  }

  attach(callbacks: SocketCallbacks): void {
    this.callbacks = callbacks
  }

  get readyState(): string {
    if (this.connecting) return 'opening'
    if (this.destroyed) return 'closed'
    return this.writable ? 'open' : 'readOnly'
  }

  get bufferSize(): number {
    return this.writableLength
  }

  /** Pushes response bytes; false when the client wants no more for now. */
  deliver(data: Buffer): boolean {
    if (this.destroyed) return false
    this.touch()
    return this.push(data)
  }

  setTimeout(msecs: number, callback?: () => void): this {
    this.timeout = msecs
    if (callback) {
      if (msecs === 0) this.removeListener('timeout', callback)
      else this.once('timeout', callback)
    }
    this.touch()
    return this
  }

  setNoDelay(): this {
    return this
  }

  setKeepAlive(): this {
    return this
  }

  ref(): this {
    return this
  }

  unref(): this {
    return this
  }

  address(): { address: string; family: string; port: number } {
    return { address: this.localAddress, family: 'IPv4', port: this.localPort }
  }

  destroySoon(): void {
    if (this.writable) this.end()
    if (this.writableFinished) this.destroy()
    else this.once('finish', () => this.destroy())
  }

  getPeerCertificate(): object {
    return {}
  }

  getProtocol(): string | null {
    return this.target.secure ? 'TLSv1.3' : null
  }

  override _read(): void {
    this.callbacks?.drained()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytesWritten += chunk.length
    this.touch()
    try {
      this.callbacks?.write(chunk)
      callback()
    } catch (error) {
      callback(error as Error)
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.callbacks?.ended() ?? true) this.push(null)
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.clearIdle()
    this.connecting = false
    this.callbacks?.destroyed(error)
    callback(error)
  }

  private connected(): void {
    if (this.destroyed) return
    this.connecting = false
    this.emit('connect')
    if (this.target.secure) this.emit('secureConnect')
    this.emit('ready')
  }

  /** Activity resets the idle timeout, as it does on a net.Socket. */
  private touch(): void {
    this.clearIdle()
    if (this.timeout <= 0 || this.destroyed) return
    this.idleTimer = setTimeout(() => this.emit('timeout'), this.timeout)
    this.idleTimer.unref()
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
  }
}
