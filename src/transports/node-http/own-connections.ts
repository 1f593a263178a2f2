/**
 * Marks the connections the recorder itself opens (its upstream, when recording), so the
 * bypass watch tells them from connections of clients no transport saw. undici's connector
 * calls `net.connect`/`tls.connect` synchronously, so a flag held across that call is enough.
 */
let ownDepth = 0

export function asOwnConnection<T>(connect: () => T): T {
  ownDepth++
  try {
    return connect()
  } finally {
    ownDepth--
  }
}

export function isOwnConnection(): boolean {
  return ownDepth > 0
}
