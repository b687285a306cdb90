'use client'

import { Bar, BarChart, CartesianGrid, Legend, Line, ComposedChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { formatCount, formatMoney } from '@/lib/format'

// The Overview's by-day charts, drawn like the Settings usage charts. Money arrives as decimal
// strings and becomes a number here only to be drawn.

export type ChartDay = { day: string; cost: string; revenue: string; calls: number; errors: number; refused: number; p95: number | null }

const shortDate = (iso: string) => new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' })
const tooltipStyle = { background: 'var(--popover)', border: '1px solid var(--border)', borderRadius: 8, color: 'var(--popover-foreground)' }
const axis = { tickLine: false, axisLine: false, fontSize: 12, stroke: 'var(--muted-foreground)' } as const

/** Provider cost and revenue per day. */
export function MoneyChart({ days }: { days: ChartDay[] }) {
  const data = days.map((d) => ({ day: d.day, cost: Number(d.cost), revenue: Number(d.revenue) }))
  return (
    <div className="h-64 w-full" role="img" aria-label="Provider cost and revenue by day">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis dataKey="day" tickFormatter={shortDate} minTickGap={24} {...axis} />
          <YAxis width={64} tickFormatter={(v: number) => formatMoney(String(v))} {...axis} />
          <Tooltip cursor={{ fill: 'var(--muted)' }} contentStyle={tooltipStyle} labelFormatter={(l) => shortDate(String(l))} formatter={(v, name) => [formatMoney(String(v)), name]} />
          <Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="revenue" name="Revenue" fill="var(--chart-2)" isAnimationActive={false} />
          <Bar dataKey="cost" name="Provider cost" fill="var(--chart-1)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  )
}

/** Calls per day (stacked: succeeded or aborted, errors, refused) and p95 latency. */
export function CallsChart({ days }: { days: ChartDay[] }) {
  const data = days.map((d) => ({ day: d.day, ok: d.calls - d.errors - d.refused, errors: d.errors, refused: d.refused, p95: d.p95 }))
  return (
    <div className="h-64 w-full" role="img" aria-label="Calls, errors and p95 latency by day">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis dataKey="day" tickFormatter={shortDate} minTickGap={24} {...axis} />
          <YAxis yAxisId="calls" width={56} tickFormatter={(v: number) => formatCount(v)} {...axis} />
          <YAxis yAxisId="ms" orientation="right" width={56} tickFormatter={(v: number) => `${formatCount(v)} ms`} {...axis} />
          <Tooltip
            cursor={{ fill: 'var(--muted)' }}
            contentStyle={tooltipStyle}
            labelFormatter={(l) => shortDate(String(l))}
            formatter={(v, name) => [name === 'p95 latency' ? `${formatCount(Number(v))} ms` : formatCount(Number(v)), name]}
          />
          <Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          <Bar yAxisId="calls" dataKey="ok" name="Other calls" stackId="c" fill="var(--chart-2)" isAnimationActive={false} />
          <Bar yAxisId="calls" dataKey="errors" name="Errors" stackId="c" fill="var(--destructive)" isAnimationActive={false} />
          <Bar yAxisId="calls" dataKey="refused" name="Refused" stackId="c" fill="var(--chart-4)" isAnimationActive={false} />
          <Line yAxisId="ms" dataKey="p95" name="p95 latency" stroke="var(--chart-5)" dot={false} connectNulls isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  )
}
