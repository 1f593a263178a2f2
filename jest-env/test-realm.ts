/**
 * Node's fetch belongs to the host realm and reads the host's dispatcher slot, which the core
 * Recorder fills. An undici package required by a test file is a separate copy evaluated in the
 * test's vm context, whose `globalThis` is the environment's global: it reads that global's
 * slots. Pointing them at the same dispatcher makes `undici.request`/`undici.fetch` recorded too.
 */
const SLOTS = [Symbol.for('undici.globalDispatcher.1'), Symbol.for('undici.globalDispatcher.2')]

/** Copies the host's installed dispatcher into the test global; returns the exact undo. */
export function shareDispatcherWith(testGlobal: object): () => void {
  const host = globalThis as unknown as Record<symbol, unknown>
  const target = testGlobal as Record<symbol, unknown>
  if (target === host) return () => {}
  const saved = SLOTS.map((slot) => ({ slot, existed: Object.hasOwn(target, slot), previous: target[slot] }))
  for (const slot of SLOTS) target[slot] = host[SLOTS[0] as symbol]
  return () => {
    for (const { slot, existed, previous } of saved) {
      if (existed) target[slot] = previous
      else delete target[slot]
    }
  }
}
