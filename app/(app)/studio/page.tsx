import type { Metadata } from 'next'
import { StudioClient } from '@/components/studio/studio-client'
import { requireUser } from '@/lib/auth'
import { listCampaigns } from '@/lib/campaigns/campaigns'
import { archiveCampaignAction, createCampaignAction, renameCampaignAction } from '@/app/(app)/studio/actions'

export const metadata: Metadata = { title: 'Studio' }

export default async function StudioPage() {
  const user = await requireUser('/studio')
  const campaigns = await listCampaigns(user.id)
  return <StudioClient campaigns={campaigns} actions={{ create: createCampaignAction, rename: renameCampaignAction, archive: archiveCampaignAction }} />
}
