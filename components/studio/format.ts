// Money and time as the receipt shows them. Costs arrive as exact decimal strings; display
// precision is all that is lost here.

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 })
// Sub-cent calls are the norm for text models: rounding them to $0.00 would hide them, so
// they keep up to six significant digits ($0.000375, $0.0000222).
const subCent = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumSignificantDigits: 6 })
const count = new Intl.NumberFormat('en-US')

/** "$0.000375", "$0.0425", "$1.25"; null (a model Tollgate cannot price) is "unpriced", never $0. */
export function formatCost(value: string | null): string {
  if (value === null) return 'unpriced'
  const amount = Number(value)
  if (!Number.isFinite(amount)) return value
  if (amount === 0) return usd.format(0)
  return Math.abs(amount) >= 0.01 ? usd.format(amount) : subCent.format(amount)
}

export function formatLatency(ms: number | null): string {
  if (ms === null) return '—'
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
}

export const formatCount = (n: number) => count.format(n)
