// GET /admin/plans — the plan catalog (public.plans): price, limits, rates and subscribers of each.
import type { Metadata } from 'next'
import Link from 'next/link'
import { Plus } from 'lucide-react'
import { PlanTable } from '@/components/admin/plan-table'
import { Button } from '@/components/ui/button'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { listPlansWithSubscribers } from '@/lib/admin/plans'
import { requireOperator } from '@/lib/admin/session'
import { PageTitle } from '@/components/admin/page-title'

export const metadata: Metadata = { title: 'Plans — Console' }

export default async function PlansPage() {
  await requireOperator()
  const plans = await listPlansWithSubscribers()
  return (
    <div className="grid gap-6">
      <PageTitle title="Plans" />
      <Card>
        <CardHeader className="flex flex-row flex-wrap items-start justify-between gap-3">
          <div className="grid gap-1.5">
            <CardTitle className="text-base">Plans</CardTitle>
            <CardDescription>
              What each plan sells and allows. A change reaches its subscribers at their next period, or at once if you choose so when saving.
            </CardDescription>
          </div>
          <Button asChild size="sm">
            <Link href="/admin/plans/new">
              <Plus className="size-4" aria-hidden />
              New plan
            </Link>
          </Button>
        </CardHeader>
        <CardContent>
          <PlanTable plans={plans} />
        </CardContent>
      </Card>
    </div>
  )
}
