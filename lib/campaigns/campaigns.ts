import 'server-only'
import { z } from 'zod'
import { isUniqueViolation } from '@/lib/db/errors'
import { withUser } from '@/lib/db/with-user'

export const CampaignNameSchema = z
  .string({ error: 'Name is required' })
  .trim()
  .min(1, { error: 'Name is required' })
  .max(200, { error: 'Name must be at most 200 characters' })

export type CampaignSummary = { id: string; name: string; status: 'active' | 'paused' }

/** A write either returns the campaign or says, in one sentence for the user, why it did not happen. */
export type CampaignWrite = { ok: true; campaign: CampaignSummary } | { ok: false; error: string }

const NOT_FOUND: CampaignWrite = { ok: false, error: 'That campaign no longer exists.' }

const summary = (row: { id: string; name: string; status: string }): CampaignSummary => ({
  id: row.id,
  name: row.name,
  status: row.status === 'paused' ? 'paused' : 'active',
})

// The table's unique (user_id, name) is the one source of truth for duplicates (isUniqueViolation):
// checking first would race a concurrent create.
const nameTaken = (name: string): CampaignWrite => ({
  ok: false,
  // Archived campaigns keep their names (their calls still point at them), hence the hint.
  error: `You already have a campaign named “${name}” (possibly archived). Pick another name.`,
})

/** The user's campaigns that can still be picked (not archived), by name; read through RLS. */
export async function listCampaigns(userId: string): Promise<CampaignSummary[]> {
  const rows = await withUser(userId, (tx) =>
    tx.campaign.findMany({ where: { status: { not: 'archived' } }, orderBy: { name: 'asc' }, select: { id: true, name: true, status: true } }),
  )
  return rows.map(summary)
}

/** Creates an active campaign for the user; RLS refuses rows for anyone else. */
export async function createCampaign(userId: string, name: string): Promise<CampaignWrite> {
  try {
    const row = await withUser(userId, (tx) => tx.campaign.create({ data: { userId, name }, select: { id: true, name: true, status: true } }))
    return { ok: true, campaign: summary(row) }
  } catch (error) {
    if (isUniqueViolation(error)) return nameTaken(name)
    throw error
  }
}

/** Renames one of the user's non-archived campaigns; RLS hides everyone else's, so they are "not found". */
export async function renameCampaign(userId: string, id: string, name: string): Promise<CampaignWrite> {
  if (!z.uuid().safeParse(id).success) return NOT_FOUND
  try {
    const row = await withUser(userId, async (tx) => {
      const { count } = await tx.campaign.updateMany({ where: { id, status: { not: 'archived' } }, data: { name } })
      return count === 1 ? tx.campaign.findUnique({ where: { id }, select: { id: true, name: true, status: true } }) : null
    })
    return row ? { ok: true, campaign: summary(row) } : NOT_FOUND
  } catch (error) {
    if (isUniqueViolation(error)) return nameTaken(name)
    throw error
  }
}

/**
 * Archives one of the user's campaigns. Archiving, not deleting: past calls reference the
 * campaign, and their usage rows are immutable. Idempotent for an already archived campaign.
 */
export async function archiveCampaign(userId: string, id: string): Promise<boolean> {
  if (!z.uuid().safeParse(id).success) return false
  const { count } = await withUser(userId, (tx) => tx.campaign.updateMany({ where: { id }, data: { status: 'archived' } }))
  return count === 1
}
