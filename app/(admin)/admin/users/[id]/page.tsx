// GET /admin/users/[id] — one user: their terms and the forms that change them (lib/admin/manage.ts,
// the CLI's rules), keys, alerts, recent calls, Stripe ids, and what operators did to them.
import type { Metadata } from 'next'
import Link from 'next/link'
import { notFound } from 'next/navigation'
import { Eye } from 'lucide-react'
import {
  changePlanAction, createKeyAction, reconcileAction, releaseHoldsAction, revokeAllKeysAction, revokeKeyAction,
  setBudgetAction, setEnforcementAction, setLimitAction, setRequestsPerMinuteAction, setTokensPerMinuteAction,
} from '@/app/(admin)/admin/users/[id]/actions'
import { AuditTable } from '@/components/admin/audit-table'
import { UserActivity, UserSummary } from '@/components/admin/user-detail'
import { UserKeys, UserMaintenance } from '@/components/admin/user-key-forms'
import { UserTermsForms } from '@/components/admin/user-forms'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { listAudit } from '@/lib/admin/audit'
import { requireOperator } from '@/lib/admin/session'
import { getUserDetail, listPlanOptions, stripeDashboardUrl } from '@/lib/admin/user-detail'
import { env } from '@/lib/env'
import { SERVICE_TYPES } from '@/lib/services'

export const metadata: Metadata = { title: 'User — Console' }

export default async function UserPage({ params }: PageProps<'/admin/users/[id]'>) {
  await requireOperator()
  const { id } = await params
  const user = await getUserDetail(id)
  if (!user) notFound()
  const [plans, audit] = await Promise.all([listPlanOptions(), listAudit({ targetUserId: user.id, limit: 20 })])
  const sub = user.subscription
  const stripe = (kind: 'customers' | 'subscriptions', value: string | null) => (value ? stripeDashboardUrl(kind, value, env.STRIPE_SECRET_KEY) : null)
  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold">{user.email ?? user.external_id ?? user.id}</h1>
        {/* Not prefetched: opening the view is audited, and only a click means someone looked. */}
        <Link className="ml-auto inline-flex items-center gap-1.5 text-sm font-medium underline underline-offset-4" href={`/admin/users/${user.id}/usage`} prefetch={false}>
          <Eye className="size-4" aria-hidden /> View as the user
        </Link>
      </div>
      <UserSummary user={user} stripeCustomerUrl={stripe('customers', sub?.stripe_customer_id ?? null)} stripeSubscriptionUrl={stripe('subscriptions', sub?.stripe_subscription_id ?? null)} />
      {sub ? (
        <Card>
          <CardHeader>
            <CardTitle className="text-base">Change</CardTitle>
            <CardDescription>The same rules as the command line; every change is in the audit log below. A plan change applies now.</CardDescription>
          </CardHeader>
          <CardContent>
            <UserTermsForms
              userId={user.id}
              plans={plans}
              services={SERVICE_TYPES.map((s) => ({ id: s.id, label: s.label }))}
              current={{ plan: sub.plan_type, enforcement: sub.enforcement_mode, budget: sub.budget }}
              actions={{ plan: changePlanAction, limit: setLimitAction, enforcement: setEnforcementAction, budget: setBudgetAction, rpm: setRequestsPerMinuteAction, tpm: setTokensPerMinuteAction }}
            />
          </CardContent>
        </Card>
      ) : null}
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Keys</CardTitle>
        </CardHeader>
        <CardContent>
          <UserKeys userId={user.id} keys={user.keys} actions={{ create: createKeyAction, revoke: revokeKeyAction, revokeAll: revokeAllKeysAction }} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Holds and counters</CardTitle>
        </CardHeader>
        <CardContent>
          <UserMaintenance userId={user.id} holds={user.holds} actions={{ release: releaseHoldsAction, reconcile: reconcileAction }} />
        </CardContent>
      </Card>
      <UserActivity user={user} />
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Audit</CardTitle>
          <CardDescription>What operators did to this user, newest first.</CardDescription>
        </CardHeader>
        <CardContent>
          <AuditTable entries={audit} showTarget={false} />
        </CardContent>
      </Card>
    </div>
  )
}
