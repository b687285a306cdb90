// Campaign names against the real database: the table's unique (user_id, name) is what refuses
// a duplicate, and lib/db/errors.ts's isUniqueViolation is what recognises Prisma's error for it.
import { afterAll, describe, expect, it } from 'vitest'
import { createCampaign, renameCampaign } from '@/lib/campaigns/campaigns'
import { closeDatabase } from '@/lib/db/prisma'
import { withClient } from '@/test/databases'
import { insertUser } from '@/test/fixtures'

afterAll(() => closeDatabase())

const newUser = () => withClient(process.env.DATABASE_URL!, (c) => insertUser(c))

describe('campaign names', () => {
  it('refuses a second campaign of the same name with a sentence, not an exception', async () => {
    const user = await newUser()
    const first = await createCampaign(user, 'Launch')
    expect(first.ok).toBe(true)
    expect(await createCampaign(user, 'Launch')).toEqual({ ok: false, error: expect.stringMatching(/already have a campaign named “Launch”/) })
    // Another user may use the name.
    expect((await createCampaign(await newUser(), 'Launch')).ok).toBe(true)
  })

  it('refuses a rename onto a name already taken, and leaves both campaigns as they were', async () => {
    const user = await newUser()
    await createCampaign(user, 'Spring')
    const autumn = await createCampaign(user, 'Autumn')
    if (!autumn.ok) throw new Error(autumn.error)
    expect(await renameCampaign(user, autumn.campaign.id, 'Spring')).toEqual({ ok: false, error: expect.stringMatching(/already have a campaign named “Spring”/) })
    expect(await renameCampaign(user, autumn.campaign.id, 'Winter')).toMatchObject({ ok: true, campaign: { name: 'Winter' } })
  })
})
