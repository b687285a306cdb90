'use client'

import Link from 'next/link'
import { usePathname } from 'next/navigation'
import { Activity, BarChart3, CreditCard, KeyRound, UserRound } from 'lucide-react'
import { cn } from '@/lib/utils'

export const SETTINGS_TABS = [
  { href: '/settings/profile', label: 'Profile', icon: UserRound },
  { href: '/settings/account', label: 'Account', icon: CreditCard },
  { href: '/settings/security', label: 'Security', icon: KeyRound },
  { href: '/settings/usage', label: 'Usage & Costs', icon: BarChart3 },
  { href: '/settings/activity', label: 'Activity', icon: Activity },
] as const

/** Tabs as links: each tab is its own URL, so it can be shared, bookmarked and gone back to. */
export function SettingsTabs() {
  const pathname = usePathname()
  return (
    <nav aria-label="Settings" className="-mx-1 overflow-x-auto">
      <ul className="inline-flex min-w-full gap-1 rounded-lg bg-muted p-1 text-muted-foreground sm:min-w-0">
        {SETTINGS_TABS.map(({ href, label, icon: Icon }) => {
          const active = pathname === href || pathname.startsWith(`${href}/`)
          return (
            <li key={href}>
              <Link
                href={href}
                aria-current={active ? 'page' : undefined}
                className={cn(
                  'inline-flex items-center gap-2 whitespace-nowrap rounded-md px-3 py-1.5 text-sm font-medium transition-colors hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring',
                  active && 'bg-background text-foreground shadow-sm',
                )}
              >
                <Icon className="size-4" aria-hidden />
                {label}
              </Link>
            </li>
          )
        })}
      </ul>
    </nav>
  )
}
