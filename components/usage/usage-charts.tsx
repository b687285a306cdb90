'use client'

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { formatCount, formatMoney } from '@/lib/format'
import { SERVICE_TYPES } from '@/lib/services'

type Daily = { date: string } & Record<string, number | string>
type ModelCost = { provider: string; model: string; cost: string; calls: number }

// Every service type the ledger books (embeddings, audio and moderation too), one colour each.
const SERVICES = SERVICE_TYPES.map((s, i) => ({ key: s.id, label: s.label, color: `var(--chart-${i + 1})` }))

const shortDate = (iso: string) => new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' })

/** Daily cost (or calls) over the last 30 days, stacked by service. Data comes from rollups. */
export function DailyChart({ data, metric }: { data: Daily[]; metric: 'cost' | 'calls' }) {
  return (
    <div className="h-64 w-full" role="img" aria-label={`Daily ${metric} for the last 30 days, by service`}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis dataKey="date" tickFormatter={shortDate} tickLine={false} axisLine={false} fontSize={12} minTickGap={24} stroke="var(--muted-foreground)" />
          <YAxis
            tickLine={false}
            axisLine={false}
            fontSize={12}
            width={56}
            stroke="var(--muted-foreground)"
            tickFormatter={(v: number) => (metric === 'cost' ? formatMoney(String(v)) : formatCount(v))}
          />
          <Tooltip
            cursor={{ fill: 'var(--muted)' }}
            contentStyle={{ background: 'var(--popover)', border: '1px solid var(--border)', borderRadius: 8, color: 'var(--popover-foreground)' }}
            labelFormatter={(label) => shortDate(String(label))}
            formatter={(value, name) => [metric === 'cost' ? formatMoney(String(value)) : formatCount(Number(value)), name]}
          />
          <Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
          {SERVICES.map((s) => (
            <Bar key={s.key} dataKey={`${s.key}_${metric}`} name={s.label} stackId="a" fill={s.color} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  )
}

/** Cost by provider and model over the last 30 days, largest first. */
export function ModelChart({ data }: { data: ModelCost[] }) {
  const rows = data.map((m) => ({ name: `${m.model} · ${m.provider}`, cost: Number(m.cost), calls: m.calls }))
  return (
    <div className="w-full" style={{ height: Math.max(120, rows.length * 36 + 24) }} role="img" aria-label="Cost by model and provider, last 30 days">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 0 }}>
          <XAxis type="number" hide />
          <YAxis type="category" dataKey="name" width={170} tickLine={false} axisLine={false} fontSize={12} stroke="var(--muted-foreground)" />
          <Tooltip
            cursor={{ fill: 'var(--muted)' }}
            contentStyle={{ background: 'var(--popover)', border: '1px solid var(--border)', borderRadius: 8, color: 'var(--popover-foreground)' }}
            formatter={(value, _name, item) => [`${formatMoney(String(value))} · ${formatCount((item.payload as { calls: number }).calls)} calls`, 'Cost']}
          />
          <Bar dataKey="cost" fill="var(--chart-1)" radius={[0, 4, 4, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  )
}
