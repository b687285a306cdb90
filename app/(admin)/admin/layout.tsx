import type { Metadata } from 'next'
import { signOutAction } from '@/app/(auth)/actions'
import { AdminNav } from '@/components/admin/admin-nav'
import { Brand } from '@/components/brand'
import { UserMenu } from '@/components/shell/user-menu'
import { Badge } from '@/components/ui/badge'
import { requireOperator } from '@/lib/admin/session'
import { getUser } from '@/lib/auth'

export const metadata: Metadata = { title: 'Console — Tollgate', robots: { index: false } }

// The operator console's shell. Anyone but an operator gets a 404 here and on every page and
// action below (each checks again: a layout does not run on every navigation).
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  await requireOperator()
  const user = (await getUser())!
  return (
    <div className="flex min-h-dvh flex-col">
      <header className="sticky top-0 z-40 border-b bg-background/85 backdrop-blur">
        <div className="mx-auto flex h-14 w-full max-w-7xl items-center justify-between gap-4 px-4 sm:px-6">
          <div className="flex min-w-0 items-center gap-3">
            <Brand href="/admin" />
            <Badge variant="secondary">Console</Badge>
          </div>
          <UserMenu name={user.displayName} email={user.email} signOut={signOutAction} operator />
        </div>
        <div className="mx-auto w-full max-w-7xl px-4 pb-2 sm:px-6">
          <AdminNav />
        </div>
      </header>
      <main className="mx-auto w-full min-w-0 max-w-7xl flex-1 px-4 py-6 sm:px-6 sm:py-8">{children}</main>
    </div>
  )
}
