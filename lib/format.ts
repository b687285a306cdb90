// Display formatting with Intl. Money arrives as exact decimal strings; formatting is the only
// place they become numbers, and nothing formatted is ever summed.

const usd2 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 })
const count = new Intl.NumberFormat('en-US')

/** "$12.34"; sub-cent amounts keep their significant digits: "$0.000375". Null: "—". */
export function formatMoney(amount: string | null | undefined): string {
  if (amount === null || amount === undefined) return '—'
  const n = Number(amount)
  if (n !== 0 && Math.abs(n) < 0.01) {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumSignificantDigits: 3 }).format(n)
  }
  return usd2.format(n)
}

export function formatCount(n: number): string {
  return count.format(n)
}

export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso)) + ' UTC'
}

export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(iso))
}
