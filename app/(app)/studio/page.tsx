import type { Metadata } from 'next'
import { Film, ImageIcon, MessageSquareText } from 'lucide-react'
import { Card, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { requireUser } from '@/lib/auth'

export const metadata: Metadata = { title: 'Studio' }

const MODES = [
  { icon: MessageSquareText, title: 'Text', text: 'Chat and content generation on text models.' },
  { icon: ImageIcon, title: 'Images', text: 'DALL·E, gpt-image-1, FLUX, Stability and Ideogram.' },
  { icon: Film, title: 'Video', text: 'Runway and Luma jobs, charged by the second.' },
]

export default async function StudioPage() {
  const user = await requireUser('/studio')
  return (
    <div className="grid gap-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Studio</h1>
        <p className="mt-1 text-muted-foreground">
          Welcome{user.displayName ? `, ${user.displayName}` : ''}. Generate through the gateway and watch every call
          land in Settings → Usage &amp; Costs.
        </p>
      </div>
      <div className="grid gap-4 md:grid-cols-3">
        {MODES.map(({ icon: Icon, title, text }) => (
          <Card key={title}>
            <CardHeader>
              <Icon className="mb-2 size-5 text-primary" aria-hidden />
              <CardTitle>{title}</CardTitle>
              <CardDescription>{text}</CardDescription>
            </CardHeader>
          </Card>
        ))}
      </div>
      <p className="rounded-lg border border-dashed p-6 text-sm text-muted-foreground">
        Generation opens here once the gateway is connected to this deployment.
      </p>
    </div>
  )
}
