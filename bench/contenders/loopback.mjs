/** Live loopback: no interception at all; the worker runs the node:http server in-process. */
export const label = 'live loopback (node:http, same process)'
export const needsServer = true

export async function open() {
  return {
    runTest: (_test, fn) => fn(),
    close: async () => {},
  }
}
