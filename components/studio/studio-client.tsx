'use client'

import { useState } from 'react'
import { Film, ImageIcon, MessageSquareText, PenLine } from 'lucide-react'
import { Tabs, TabsContent, TabsList, TabsTrigger } from '@/components/ui/tabs'
import { CampaignsDialog, type Campaign, type CampaignActions } from '@/components/studio/campaigns-dialog'
import { ChatPanel } from '@/components/studio/chat-panel'
import { SelectField } from '@/components/studio/fields'
import { ImagesPanel } from '@/components/studio/images-panel'
import { TextPanel } from '@/components/studio/text-panel'
import { VideoPanel } from '@/components/studio/video-panel'

// Radix Select items cannot have an empty value: "no campaign" needs a name of its own.
const NONE = 'none'

const TABS = [
  { value: 'text', label: 'Text', icon: PenLine, Panel: TextPanel },
  { value: 'chat', label: 'Chat', icon: MessageSquareText, Panel: ChatPanel },
  { value: 'images', label: 'Images', icon: ImageIcon, Panel: ImagesPanel },
  { value: 'video', label: 'Video', icon: Film, Panel: VideoPanel },
] as const

/** The Studio: one campaign choice in the header applies to every call made in any tab. */
export function StudioClient({ campaigns, actions }: { campaigns: Campaign[]; actions: CampaignActions }) {
  const [picked, setPicked] = useState(NONE)
  // An archived (or renamed away) choice silently falls back to "No campaign".
  const campaign = campaigns.some((c) => c.id === picked) ? picked : null
  const options = [{ value: NONE, label: 'No campaign' }, ...campaigns.map((c) => ({ value: c.id, label: c.status === 'paused' ? `${c.name} (paused)` : c.name }))]

  return (
    <div className="grid gap-6">
      <div className="flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Studio</h1>
          <p className="mt-1 text-sm text-muted-foreground">Every call goes through the gateway on your plan; each shows what it cost when it lands.</p>
        </div>
        <div className="flex flex-wrap items-end gap-2">
          <SelectField id="studio-campaign" label="Campaign" value={campaign ?? NONE} onValueChange={setPicked} options={options} className="w-full min-w-48 sm:w-56" />
          <CampaignsDialog campaigns={campaigns} actions={actions} />
        </div>
      </div>

      <Tabs defaultValue="text" className="gap-4">
        <TabsList className="grid w-full grid-cols-4 sm:inline-flex sm:w-fit">
          {TABS.map(({ value, label, icon: Icon }) => (
            <TabsTrigger key={value} value={value} className="sm:px-4">
              <Icon aria-hidden />
              {label}
            </TabsTrigger>
          ))}
        </TabsList>
        {TABS.map(({ value, Panel }) => (
          // Mounted while hidden: a chat, a half-polled video or a result survives switching tabs.
          <TabsContent key={value} value={value} forceMount className="data-[state=inactive]:hidden">
            <Panel campaign={campaign} />
          </TabsContent>
        ))}
      </Tabs>
    </div>
  )
}
