// GET /admin/users/[id]/usage — "act as support": the user's Usage & Costs tab as they see it,
// read only, on the operators' read path; opening it leaves an audit row (lib/admin/support-view.ts).
import type { Metadata } from 'next'
import Link from 'next/link'
import { notFound } from 'next/navigation'
import { UsageTab } from '@/components/usage/usage-tab'
import { requireOperator } from '@/lib/admin/session'
import { openSupportView } from '@/lib/admin/support-view'

export const metadata: Metadata = { title: 'Usage as the user sees it — Console' }

export default async function SupportUsagePage({ params }: PageProps<'/admin/users/[id]/usage'>) {
  const operator = await requireOperator()
  const { id } = await params
  const view = await openSupportView(operator, id)
  if (!view) notFound()
  const name = view.user.email ?? view.user.id
  return (
    <div className="grid gap-6">
      <p role="note" data-testid="support-banner" className="flex flex-wrap items-center gap-2 rounded-lg border border-warning/40 bg-warning/10 px-4 py-3 text-sm">
        You are viewing <strong>{name}</strong>&apos;s Usage &amp; Costs tab as they see it. Read only; this view is recorded in the audit log.
        <Link className="ml-auto font-medium underline underline-offset-4" href={`/admin/users/${view.user.id}`}>
          Back to {name}
        </Link>
      </p>
      <UsageTab dashboard={view.dashboard} webhook={view.webhook} />
    </div>
  )
}
