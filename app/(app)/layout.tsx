import { signOutAction } from '@/app/(auth)/actions'
import { Brand } from '@/components/brand'
import { NavLinks } from '@/components/shell/nav-links'
import { UserMenu } from '@/components/shell/user-menu'
import { isOperator } from '@/lib/admin/operators'
import { requireUser } from '@/lib/auth'

// The signed-in shell. Pages below still check identity themselves: a layout is not re-run on
// every navigation, so it cannot be the only guard.
export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser()
  return (
    <div className="flex min-h-dvh flex-col">
      <header className="sticky top-0 z-40 border-b bg-background/85 backdrop-blur">
        <div className="mx-auto flex h-14 w-full max-w-6xl items-center justify-between gap-2 px-4 sm:gap-4 sm:px-6">
          <div className="flex min-w-0 items-center gap-3 sm:gap-6">
            <Brand href="/studio" />
            <NavLinks />
          </div>
          <UserMenu name={user.displayName} email={user.email} signOut={signOutAction} operator={await isOperator(user)} />
        </div>
      </header>
      <main className="mx-auto w-full min-w-0 max-w-6xl flex-1 px-4 py-6 sm:px-6 sm:py-8">{children}</main>
    </div>
  )
}
