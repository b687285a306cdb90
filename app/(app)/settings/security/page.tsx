import type { Metadata } from 'next'
import { changePasswordAction, createApiKeyAction, revokeApiKeyAction, signOutEverywhereAction } from '@/app/(app)/settings/actions'
import { ApiKeys } from '@/components/settings/api-keys'
import { PasswordForm } from '@/components/settings/settings-forms'
import { Button } from '@/components/ui/button'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { requireUser } from '@/lib/auth'
import { listApiKeys } from '@/lib/keys/api-keys'

export const metadata: Metadata = { title: 'Security' }

export default async function SecurityPage() {
  const user = await requireUser('/settings/security')
  const keys = await listApiKeys(user.id)
  return (
    <div className="grid grid-cols-[minmax(0,1fr)] gap-6">
      <Card>
        <CardHeader>
          <CardTitle className="text-base">API keys</CardTitle>
          <CardDescription>
            Call the gateway with <code className="font-mono text-xs">Authorization: Bearer tg_…</code> at{' '}
            <code className="font-mono text-xs">/api/v1</code>. Keys are stored hashed; each is shown once.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <ApiKeys keys={keys} createAction={createApiKeyAction} revokeAction={revokeApiKeyAction} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Password</CardTitle>
          <CardDescription>Changing it signs out your other sessions.</CardDescription>
        </CardHeader>
        <CardContent>
          <PasswordForm action={changePasswordAction} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Sessions</CardTitle>
          <CardDescription>Sign out on every device and browser, this one included.</CardDescription>
        </CardHeader>
        <CardContent>
          <form action={signOutEverywhereAction}>
            <Button type="submit" variant="destructive">
              Sign out everywhere
            </Button>
          </form>
        </CardContent>
      </Card>
    </div>
  )
}
