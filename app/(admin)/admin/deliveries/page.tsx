// GET /admin/deliveries — usage-alert webhook deliveries and Stripe events with their outcome; retry a failed delivery.
import type { Metadata } from 'next'
import Link from 'next/link'
import { retryDeliveryAction } from '@/app/(admin)/admin/deliveries/actions'
import { AlertDeliveryTable, StripeEventTable } from '@/components/admin/delivery-tables'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { DeliveryFilterSchema, listAlertDeliveries, listStripeEvents, StripeOutcomeSchema } from '@/lib/admin/deliveries'
import { requireOperator } from '@/lib/admin/session'
import { cn } from '@/lib/utils'
import { PageTitle } from '@/components/admin/page-title'

export const metadata: Metadata = { title: 'Deliveries — Console' }

const one = (v: string | string[] | undefined) => (typeof v === 'string' ? v : undefined)

function Filters({ name, values, current, href }: { name: string; values: readonly string[]; current: string; href: (v: string) => string }) {
  return (
    <nav aria-label={name} className="flex flex-wrap gap-2 text-sm">
      {values.map((v) => (
        <Link key={v} href={href(v)} aria-current={v === current ? 'page' : undefined} className={cn('rounded-md border px-3 py-1', v === current ? 'bg-primary text-primary-foreground' : 'hover:bg-accent')}>
          {v}
        </Link>
      ))}
    </nav>
  )
}

export default async function DeliveriesPage({ searchParams }: PageProps<'/admin/deliveries'>) {
  await requireOperator()
  const params = await searchParams
  const status = DeliveryFilterSchema.parse(one(params.status))
  const outcome = StripeOutcomeSchema.parse(one(params.outcome))
  const [deliveries, events] = await Promise.all([
    listAlertDeliveries({ status, after: one(params.after) }),
    listStripeEvents({ outcome, after: one(params.events_after) }),
  ])
  // Each table pages on its own; the other's filter stays in the address.
  const link = (extra: Record<string, string>) => `/admin/deliveries?${new URLSearchParams({ status, outcome, ...extra })}`
  return (
    <div className="grid gap-6">
      <PageTitle title="Deliveries" />
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Alert webhooks</CardTitle>
          <CardDescription>Usage alerts POSTed to each user&apos;s webhook. Failed sends are retried with backoff and given up after 8 attempts; Retry queues one more attempt now, never for one already delivered.</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-3">
          <Filters name="Delivery status" values={DeliveryFilterSchema.unwrap().options} current={status} href={(v) => `/admin/deliveries?${new URLSearchParams({ status: v, outcome })}`} />
          {deliveries.rows.length ? <AlertDeliveryTable rows={deliveries.rows} retryAction={retryDeliveryAction} /> : <p className="text-sm text-muted-foreground">No deliveries.</p>}
          {deliveries.next ? <Link className="text-sm underline" href={link({ after: deliveries.next })}>Older deliveries</Link> : null}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Stripe events</CardTitle>
          <CardDescription>
            Events the Stripe webhook applied or ignored. An event that failed here is not recorded: Stripe keeps retrying it for three days, and it can be re-sent from the Stripe dashboard (Developers → Webhooks → the event → Resend). It cannot be pulled back from this console.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-3">
          <Filters name="Event outcome" values={StripeOutcomeSchema.unwrap().options} current={outcome} href={(v) => `/admin/deliveries?${new URLSearchParams({ status, outcome: v })}`} />
          {events.rows.length ? <StripeEventTable rows={events.rows} /> : <p className="text-sm text-muted-foreground">No events.</p>}
          {events.next ? <Link className="text-sm underline" href={link({ events_after: events.next })}>Older events</Link> : null}
        </CardContent>
      </Card>
    </div>
  )
}
