import type { Metadata } from 'next'
import { updateProfileAction } from '@/app/(app)/settings/actions'
import { ProfileForm } from '@/components/settings/settings-forms'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { requireUser } from '@/lib/auth'
import { initials } from '@/lib/initials'

export const metadata: Metadata = { title: 'Profile' }

export default async function ProfilePage() {
  const user = await requireUser('/settings/profile')
  return (
    <Card>
      <CardHeader className="flex flex-row items-center gap-4">
        <span aria-hidden className="flex size-14 shrink-0 items-center justify-center rounded-full bg-primary text-lg font-semibold text-primary-foreground">
          {initials(user.displayName, user.email)}
        </span>
        <div>
          <CardTitle>{user.displayName ?? 'No name yet'}</CardTitle>
          <CardDescription>{user.email}</CardDescription>
        </div>
      </CardHeader>
      <CardContent>
        <ProfileForm action={updateProfileAction} displayName={user.displayName} />
      </CardContent>
    </Card>
  )
}
