/**
 * A function of a string, remembered for the strings it was asked about: header names, field
 * names, header values and URLs repeat on every request and every event, and judging them is
 * regular expressions or a URL parse each time. Bounded: past `limit` entries all are forgotten
 * at once (cheaper than keeping an order, and a working set that large is not one).
 */
export function remembered<T>(judge: (input: string) => T, limit: number): (input: string) => T {
  const known = new Map<string, T>()
  return (input) => {
    if (known.has(input)) return known.get(input) as T
    if (known.size >= limit) known.clear()
    const value = judge(input)
    known.set(input, value)
    return value
  }
}
