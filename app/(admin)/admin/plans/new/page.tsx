// GET /admin/plans/new — create a plan (it gets subscribers through a plan change, Stripe or SIGNUP_PLAN).
import type { Metadata } from 'next'
import Link from 'next/link'
import { createPlanAction } from '@/app/(admin)/admin/plans/actions'
import { PlanForm } from '@/components/admin/plan-form'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { requireOperator } from '@/lib/admin/session'

export const metadata: Metadata = { title: 'New plan — Console' }

// A new plan starts from the Free plan's shape: monthly, hard limits, no quota on the others.
const START = {
  price: '0', currency: 'usd', period_months: '1', enforcement_mode: 'hard', requests_per_minute: '60',
  limit_chat: '0', limit_content: '0', limit_image: '0', limit_video: '0',
}

export default async function NewPlanPage() {
  await requireOperator()
  return (
    <div className="grid gap-4">
      <Link href="/admin/plans" className="text-sm text-muted-foreground underline underline-offset-4">← Plans</Link>
      <Card>
        <CardHeader>
          <CardTitle className="text-base">New plan</CardTitle>
          <CardDescription>Users get it when you move them to it, when Stripe sells its price, or as the sign-up plan.</CardDescription>
        </CardHeader>
        <CardContent>
          <PlanForm mode="new" values={START} action={createPlanAction} />
        </CardContent>
      </Card>
    </div>
  )
}
