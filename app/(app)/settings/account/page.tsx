import type { Metadata } from 'next'
import { Check } from 'lucide-react'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from '@/components/ui/card'
import { manageBillingAction, upgradeAction } from '@/app/(app)/settings/actions'
import { deleteAccountAction } from '@/app/(app)/settings/account/actions'
import { ManageBillingButton, UpgradeButton } from '@/components/settings/billing-buttons'
import { DeleteAccount } from '@/components/settings/delete-account'
import { requireUser } from '@/lib/auth'
import { BILLING_OFF } from '@/lib/billing/checkout'
import { listPlans } from '@/lib/billing/plans'
import { SERVICES } from '@/lib/services'
import { billingConfigured, priceForPlan } from '@/lib/billing/stripe'
import { formatCount, formatMoney } from '@/lib/format'
import { env } from '@/lib/env'
import { getUserUsage } from '@/lib/usage/summary'

export const metadata: Metadata = { title: 'Account' }

export default async function AccountPage() {
  const user = await requireUser('/settings/account')
  const { plan } = await getUserUsage(user.id)
  const plans = await Promise.all((await listPlans()).map(async (p) => ({ ...p, sold: billingConfigured && (await priceForPlan(p.id)) !== null })))
  return (
    <div className="grid grid-cols-[minmax(0,1fr)] gap-6">
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Account</CardTitle>
          <CardDescription>{user.email}</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-wrap items-center justify-between gap-3 text-sm">
          <span>
            Current plan: <span className="font-medium">{plan?.name ?? 'none'}</span>
            {plan && plan.status !== 'active' ? <Badge variant="warning" className="ml-2">{plan.status.replace('_', ' ')}</Badge> : null}
          </span>
          {billingConfigured ? <ManageBillingButton action={manageBillingAction} /> : null}
        </CardContent>
      </Card>
      <section aria-labelledby="plans-heading" className="grid gap-3" id="plans">
        <h2 id="plans-heading" className="text-lg font-semibold">Plans</h2>
        <p className="text-sm text-muted-foreground" data-testid="billing-status">
          {billingConfigured ? 'Upgrades go through Stripe Checkout; your plan changes as soon as Stripe confirms the payment.' : BILLING_OFF}
          {billingConfigured ? null : (
            <>
              {' '}
              (<code className="font-mono text-xs">npm run tollgate -- plan</code>)
            </>
          )}
        </p>
        <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-4">
          {plans.map((p) => {
            const current = plan?.type === p.id
            return (
              <Card key={p.id} data-testid={`plan-${p.id}`} className={current ? 'border-primary' : undefined}>
                <CardHeader>
                  <CardTitle className="flex items-center gap-2 text-base">
                    {p.name}
                    {current ? <Badge>Current</Badge> : null}
                  </CardTitle>
                  <CardDescription>{p.description}</CardDescription>
                </CardHeader>
                <CardContent className="grid gap-1 text-sm">
                  <p className="text-2xl font-semibold">{p.price === '0' ? 'Free' : `${formatMoney(p.price)}/${p.periodMonths === 1 ? 'mo' : p.periodMonths === 12 ? 'yr' : `${p.periodMonths} mo`}`}</p>
                  {SERVICES.map((s) => [s.label, p.limits[s.id]] as const).map(([label, n]) => (
                    <p key={label} className="flex items-center gap-2 text-muted-foreground">
                      <Check className="size-3.5" aria-hidden /> {n >= 999_999 ? 'Unlimited' : formatCount(n)} {label.toLowerCase()}
                    </p>
                  ))}
                  <p className="flex items-center gap-2 text-muted-foreground">
                    <Check className="size-3.5" aria-hidden /> {p.requestsPerMinute} requests/min
                  </p>
                </CardContent>
                <CardFooter>
                  {current ? (
                    <Button className="w-full" variant="outline" disabled>
                      Your plan
                    </Button>
                  ) : p.sold ? (
                    <UpgradeButton plan={p.id} label={`Upgrade to ${p.name}`} action={upgradeAction} />
                  ) : (
                    <Button className="w-full" variant="secondary" disabled title={BILLING_OFF}>
                      {p.price === '0' ? 'Included' : 'Billing not configured'}
                    </Button>
                  )}
                </CardFooter>
              </Card>
            )
          })}
        </div>
      </section>
      <Card data-testid="delete-account">
        <CardHeader>
          <CardTitle className="text-base">Delete account</CardTitle>
          <CardDescription>
            Deletes your API keys, campaigns, sessions, plan, and the payloads, IP addresses and user agents of your calls (which are otherwise
            deleted after {env.PAYLOAD_RETENTION_DAYS} days). The operator keeps the record of your calls&apos; tokens and costs, with no link to you.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <DeleteAccount action={deleteAccountAction} email={user.email} />
        </CardContent>
      </Card>
    </div>
  )
}
