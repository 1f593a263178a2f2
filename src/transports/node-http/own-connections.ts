/**
 * Marks the connections the recorder itself opens (its upstream, when recording), so the
 * bypass watch tells them from connections of clients no transport saw. undici's connector
 * calls `net.connect`/`tls.connect` synchronously, so a flag held across that call is enough.
 */
let ownDepth = 0
/** Proxies the upstream tunnels through: undici's ProxyAgent connects to them on its own. */
const ownHosts = new Set<string>()

export function asOwnConnection<T>(connect: () => T): T {
  ownDepth++
  try {
    return connect()
  } finally {
    ownDepth--
  }
}

export function addOwnHost(host: string): void {
  ownHosts.add(host)
}

export function isOwnConnection(host: string): boolean {
  return ownDepth > 0 || ownHosts.has(host)
}
