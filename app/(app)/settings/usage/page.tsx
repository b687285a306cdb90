import type { Metadata } from 'next'
import { UsageTab } from '@/components/usage/usage-tab'
import { requireUser } from '@/lib/auth'
import { getAlertWebhook } from '@/lib/usage/alerts'
import { getUsageDashboard } from '@/lib/usage/dashboard'
import { acknowledgeAlertAction, removeAlertWebhookAction, saveAlertWebhookAction } from './actions'

export const metadata: Metadata = { title: 'Usage & Costs' }

export default async function UsagePanel() {
  const user = await requireUser('/settings/usage')
  const [dashboard, webhook] = await Promise.all([getUsageDashboard(user.id), getAlertWebhook(user.id)])
  return <UsageTab dashboard={dashboard} webhook={webhook} actions={{ acknowledge: acknowledgeAlertAction, saveWebhook: saveAlertWebhookAction, removeWebhook: removeAlertWebhookAction }} />
}
