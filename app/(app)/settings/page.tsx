import type { Metadata } from 'next'
import { Badge } from '@/components/ui/badge'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { requireUser } from '@/lib/auth'
import { getSubscription } from '@/lib/usage/subscription'

export const metadata: Metadata = { title: 'Settings' }

const UNLIMITED = 999_999
const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' })
const formatLimit = (n: number) => (n >= UNLIMITED ? 'Unlimited' : n.toLocaleString('en'))

export default async function SettingsPage() {
  const user = await requireUser('/settings')
  const subscription = await getSubscription(user.id)
  return (
    <div className="grid gap-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
        <p className="mt-1 text-muted-foreground">Your profile and plan.</p>
      </div>
      <div className="grid gap-4 md:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Profile</CardTitle>
            <CardDescription>How you appear in Tollgate.</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-1 text-sm">
            <p className="font-medium">{user.displayName ?? 'No name set'}</p>
            <p className="text-muted-foreground">{user.email}</p>
          </CardContent>
        </Card>
        <Card data-testid="plan-card">
          <CardHeader>
            <CardTitle className="flex items-center gap-2">
              {subscription?.planName ?? 'No plan'}
              {subscription ? <Badge variant="secondary">{subscription.status}</Badge> : null}
            </CardTitle>
            <CardDescription>
              {subscription
                ? `Current period ${dateFormat.format(subscription.periodStart)} – ${dateFormat.format(subscription.periodEnd)}`
                : 'Your account has no subscription yet.'}
            </CardDescription>
          </CardHeader>
          {subscription ? (
            <CardContent>
              <dl className="grid grid-cols-2 gap-3 text-sm">
                {(
                  [
                    ['Content generations', subscription.limits.content],
                    ['Images', subscription.limits.image],
                    ['Video generations', subscription.limits.video],
                    ['Chat messages', subscription.limits.chat],
                  ] as const
                ).map(([label, limit]) => (
                  <div key={label}>
                    <dt className="text-muted-foreground">{label}</dt>
                    <dd className="font-medium">{formatLimit(limit)}</dd>
                  </div>
                ))}
              </dl>
            </CardContent>
          ) : null}
        </Card>
      </div>
    </div>
  )
}
