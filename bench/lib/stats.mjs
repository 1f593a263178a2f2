/** Small statistics helpers (no dependencies). */

export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

export function median(values) {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  )
}

export function latencySummary(latencies) {
  const sorted = Float64Array.from(latencies).sort()
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) }
}
