// GET /admin/plans/[id] — edit a plan's terms and price; the change reaches its subscribers at
// their next period or now, as the operator chooses.
import type { Metadata } from 'next'
import Link from 'next/link'
import { notFound } from 'next/navigation'
import { updatePlanAction } from '@/app/(admin)/admin/plans/actions'
import { PlanForm, type PlanFormValues } from '@/components/admin/plan-form'
import { planPrice } from '@/components/admin/plan-table'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { getPlanWithSubscribers, planFields } from '@/lib/admin/plans'
import { requireOperator } from '@/lib/admin/session'
import { formatCount, formatDateTime } from '@/lib/format'

export const metadata: Metadata = { title: 'Plan — Console' }

export default async function PlanPage({ params }: { params: Promise<{ id: string }> }) {
  await requireOperator()
  const plan = await getPlanWithSubscribers((await params).id)
  if (!plan) notFound()
  const values: PlanFormValues = { id: plan.id }
  for (const [k, v] of Object.entries(planFields(plan))) values[k] = v === null ? '' : String(v)
  return (
    <div className="grid gap-4">
      <Link href="/admin/plans" className="text-sm text-muted-foreground underline underline-offset-4">← Plans</Link>
      <Card>
        <CardHeader>
          <CardTitle className="text-base">
            {plan.name} <span className="font-mono text-sm font-normal text-muted-foreground">{plan.id}</span>
          </CardTitle>
          <CardDescription>
            {planPrice(plan)} · {formatCount(plan.subscribers)} subscriber(s) · last changed {formatDateTime(plan.updatedAt)}
          </CardDescription>
        </CardHeader>
        <CardContent>
          {/* Not keyed: after a save React resets the fields to the saved terms (the new defaults) and keeps the result message. */}
          <PlanForm mode="edit" values={values} subscribers={plan.subscribers} action={updatePlanAction} />
        </CardContent>
      </Card>
    </div>
  )
}
