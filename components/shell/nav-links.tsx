'use client'

import Link from 'next/link'
import { usePathname } from 'next/navigation'
import { Settings, Sparkles } from 'lucide-react'
import { cn } from '@/lib/utils'

const LINKS = [
  { href: '/studio', label: 'Studio', icon: Sparkles },
  { href: '/settings', label: 'Settings', icon: Settings },
] as const

export function NavLinks() {
  const pathname = usePathname()
  return (
    <nav aria-label="Main" className="flex items-center gap-1">
      {LINKS.map(({ href, label, icon: Icon }) => {
        const active = pathname === href || pathname.startsWith(`${href}/`)
        return (
          <Link
            key={href}
            href={href}
            aria-current={active ? 'page' : undefined}
            className={cn(
              'inline-flex items-center gap-2 rounded-md px-3 py-1.5 text-sm font-medium text-muted-foreground transition-colors hover:bg-accent hover:text-foreground',
              active && 'bg-accent text-foreground',
            )}
          >
            <Icon className="size-4" aria-hidden />
            {/* On a phone the icons carry the bar; the names stay for screen readers. */}
            <span className="sr-only sm:not-sr-only">{label}</span>
          </Link>
        )
      })}
    </nav>
  )
}
