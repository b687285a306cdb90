'use client'

import Link from 'next/link'
import { usePathname } from 'next/navigation'
import { Boxes, ClipboardList, Gauge, Inbox, KeyRound, Layers, Server, Users } from 'lucide-react'
import { cn } from '@/lib/utils'

const LINKS = [
  { href: '/admin', label: 'Overview', icon: Gauge, exact: true },
  { href: '/admin/users', label: 'Users', icon: Users },
  { href: '/admin/plans', label: 'Plans', icon: Layers },
  { href: '/admin/models', label: 'Models', icon: Boxes },
  { href: '/admin/providers', label: 'Providers', icon: Server },
  { href: '/admin/deliveries', label: 'Deliveries', icon: Inbox },
  { href: '/admin/access', label: 'Access', icon: KeyRound },
  { href: '/admin/audit', label: 'Audit', icon: ClipboardList },
] as const

/** The console's sections; the current one is marked for screen readers and the eye. */
export function AdminNav() {
  const pathname = usePathname()
  return (
    <nav aria-label="Console" className="-mx-1 flex items-center gap-1 overflow-x-auto px-1">
      {LINKS.map(({ href, label, icon: Icon, ...rest }) => {
        const active = 'exact' in rest ? pathname === href : pathname === href || pathname.startsWith(`${href}/`)
        return (
          <Link
            key={href}
            href={href}
            aria-current={active ? 'page' : undefined}
            className={cn(
              'inline-flex shrink-0 items-center gap-2 rounded-md px-3 py-1.5 text-sm font-medium text-muted-foreground transition-colors hover:bg-accent hover:text-foreground',
              active && 'bg-accent text-foreground',
            )}
          >
            <Icon className="size-4" aria-hidden />
            {label}
          </Link>
        )
      })}
    </nav>
  )
}
