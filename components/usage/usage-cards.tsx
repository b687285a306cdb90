import { AudioLines, Binary, Film, ImageIcon, MessageSquareText, PenLine, ShieldCheck, type LucideIcon } from 'lucide-react'
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card'
import { Progress } from '@/components/ui/progress'
import { formatCount } from '@/lib/format'
import { OTHER_SERVICES, SERVICES, type OtherService, type Service } from '@/lib/services'
import { cn } from '@/lib/utils'

type ServiceUsage = { used: number; limit: number; unlimited: boolean }

const ICONS: Record<Service | OtherService, LucideIcon> = {
  content: PenLine,
  image: ImageIcon,
  video: Film,
  chat: MessageSquareText,
  embedding: Binary,
  audio: AudioLines,
  moderation: ShieldCheck,
}

/**
 * A card per quota: the seed's four always; a service without quota columns (embeddings,
 * audio, moderation) only when its plan or an operator gave it a quota (`other`).
 */
export function UsageCards({ services, other = {} }: { services: Record<Service, ServiceUsage>; other?: Partial<Record<OtherService, ServiceUsage>> }) {
  const cards = [
    ...SERVICES.map((s) => ({ key: s.id as Service | OtherService, title: s.title, u: services[s.id] })),
    ...OTHER_SERVICES.flatMap((s) => (other[s.id] ? [{ key: s.id as Service | OtherService, title: s.title, u: other[s.id]! }] : [])),
  ]
  return (
    <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
      {cards.map(({ key, title, u }) => {
        const Icon = ICONS[key]
        // An "unlimited" plan's 999,999 is not a target: show use alone, never "0 %".
        const percent = u.unlimited ? null : Math.min(100, Math.round((u.used / Math.max(1, u.limit)) * 100))
        return (
          <Card key={key} data-testid={`usage-card-${key}`} className="gap-3">
            <CardHeader className="flex flex-row items-center justify-between">
              <CardTitle className="text-sm font-medium text-muted-foreground">{title}</CardTitle>
              <Icon className="size-4 text-muted-foreground" aria-hidden />
            </CardHeader>
            <CardContent className="grid gap-2">
              <p className="text-2xl font-semibold tabular-nums">
                {formatCount(u.used)}
                <span className="text-base font-normal text-muted-foreground"> / {u.unlimited ? 'Unlimited' : formatCount(u.limit)}</span>
              </p>
              <Progress
                value={percent ?? 0}
                aria-label={`${title}: ${u.unlimited ? 'unlimited' : `${percent}% used`}`}
                indicatorClassName={cn(percent !== null && percent >= 100 ? 'bg-destructive' : percent !== null && percent >= 80 ? 'bg-warning' : undefined)}
              />
              <p className="text-xs text-muted-foreground">{u.unlimited ? 'Unlimited on this plan' : `${percent}% used`}</p>
            </CardContent>
          </Card>
        )
      })}
    </div>
  )
}
