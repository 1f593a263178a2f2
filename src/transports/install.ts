/**
 * Puts a dispatcher in the global slots Node's fetch (and undici) read on every call, and
 * takes it out again exactly. Facts (docs/discoveries/global-dispatcher.md): Node 20/22/24's
 * fetch reads `undici.globalDispatcher.1`; undici 7 writes `.1` and `.2`, undici 8 reads `.2`;
 * the slots are non-configurable but writable, so they are assigned, never redefined. Under
 * Vitest's vm pools the test's globalThis is a vm context while fetch is the outer realm's, so
 * the slots of fetch's own realm are written too.
 */
import { RecordingError } from '../errors.js'

const SLOTS = [Symbol.for('undici.globalDispatcher.1'), Symbol.for('undici.globalDispatcher.2')]
const OWNER = Symbol.for('fetch-recordings.installed')

interface SavedSlot {
  realm: any
  slot: symbol
  existed: boolean
  previous: unknown
}

export function realmsOfFetch(): object[] {
  const realms: object[] = [globalThis]
  const fetchFunction = (globalThis as any).fetch
  if (typeof fetchFunction === 'function') {
    try {
      // fetch's own Function constructor evaluates in fetch's realm, which is the outer one.
      const realmFunction: FunctionConstructor = fetchFunction.constructor
      const outer = realmFunction('return globalThis')()
      if (outer && outer !== globalThis) realms.push(outer)
    } catch {
      // A realm that refuses Function() (CSP-like hardening): only our own realm can be reached.
    }
  }
  return realms
}

/** What Node's fetch would use now (its own default Agent, loaded if it was not yet). */
export function currentGlobalDispatcher(): unknown {
  void (globalThis as any).Headers
  return (globalThis as any)[SLOTS[0] as symbol]
}

/**
 * Installs `dispatcher`; returns the function that restores exactly what was there. Exclusive
 * (the default) refuses a second exclusive install; the server preload is not exclusive, so a
 * test process that inherited it (NODE_OPTIONS) still installs its recorder over it.
 */
export function installGlobalDispatcher(dispatcher: object, { exclusive = true } = {}): () => void {
  const realms = realmsOfFetch()
  for (const realm of realms) {
    if (exclusive && (realm as any)[OWNER]) {
      throw new RecordingError(
        'ALREADY_INSTALLED',
        'A fetch-recordings dispatcher is already installed in this process. Dispose the first one (recorder.dispose()) before installing another, or configure the library once (the Vitest plugin or the Jest environment, not both).',
      )
    }
  }
  const saved: SavedSlot[] = []
  for (const realm of realms) {
    // Node loads its bundled undici lazily (on the first fetch, or the first use of Headers,
    // Request, Response, FormData), and only then puts its default Agent in slot `.1`, unless
    // the slot is already taken. Load it now, so that slot holds that Agent and dispose puts it
    // back; otherwise dispose would empty the slot and leave fetch with no dispatcher at all.
    void (realm as any).Headers
    for (const slot of SLOTS) {
      saved.push({ realm, slot, existed: Object.hasOwn(realm, slot), previous: (realm as any)[slot] })
      ;(realm as any)[slot] = dispatcher
    }
    if (exclusive) (realm as any)[OWNER] = true
  }
  let restored = false
  return () => {
    if (restored) return
    restored = true
    const undeletable: SavedSlot[] = []
    for (const entry of saved.reverse()) {
      if (entry.existed) entry.realm[entry.slot] = entry.previous
      else if (!Reflect.deleteProperty(entry.realm, entry.slot)) undeletable.push(entry)
    }
    // undici's setGlobalDispatcher, called by a test while we were installed, redefines a slot as
    // non-configurable (Node 22+ with undici 7): one that was absent cannot be deleted again, so
    // it gets what fetch's own slot holds once restored (Node's default Agent).
    for (const { realm, slot } of undeletable) realm[slot] = realm[SLOTS[0] as symbol]
    if (exclusive) for (const realm of realms) delete (realm as any)[OWNER]
  }
}
