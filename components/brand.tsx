import Link from 'next/link'
import { Gauge } from 'lucide-react'

export function Brand({ href = '/' }: { href?: string }) {
  return (
    <Link href={href} className="flex items-center gap-2 font-semibold tracking-tight">
      <span className="flex size-7 items-center justify-center rounded-md bg-primary text-primary-foreground">
        <Gauge className="size-4" aria-hidden />
      </span>
      Tollgate
    </Link>
  )
}
