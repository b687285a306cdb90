// GET /admin/providers — health per provider over the last hour and the last day, from the
// hourly rollup (console_provider_hours).
import type { Metadata } from 'next'
import { Section } from '@/components/admin/overview-panels'
import { ProviderHealthTable } from '@/components/admin/provider-health'
import { providerHealth } from '@/lib/admin/reports/providers'
import { requireOperator } from '@/lib/admin/session'
import { formatDateTime } from '@/lib/format'

export const metadata: Metadata = { title: 'Providers — Console' }

export default async function ProvidersPage() {
  await requireOperator()
  const providers = await providerHealth()
  const hourSince = providers[0]?.hour.since
  return (
    <div className="grid gap-6">
      <h1 className="text-xl font-semibold">Providers</h1>
      <Section title="Last hour" description={`Since ${hourSince ? formatDateTime(hourSince) : 'the start of the previous hour'} (this clock hour and the one before). Worst error rate first.`}>
        <ProviderHealthTable providers={providers} window="hour" />
      </Section>
      <Section title="Last day" description="This clock hour and the 23 before it. Error rate: failed calls of those that reached the provider; refusals (rate limits, quotas) are listed by code but not counted as errors.">
        <ProviderHealthTable providers={providers} window="day" />
      </Section>
    </div>
  )
}
