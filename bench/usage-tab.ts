// `npm run bench:usage-tab -- <email> [base-url cookie-file]`: how long the Usage & Costs tab
// takes for a user (seed one with scripts/seed-usage.ts). Measures the tab's data layer in
// this process (median of 30 after 5 warm-ups), the same for a user with no calls as the
// baseline, and, given a server and a curl cookie file, the full server-rendered page.
import { readFileSync } from 'node:fs'
import { closeDatabase, db } from '../lib/db/prisma'
import { getUsageDashboard } from '../lib/usage/dashboard'
import { median } from './common'

const [email, baseUrl, cookieFile] = process.argv.slice(2)
if (!email) {
  console.error('usage: npm run bench:usage-tab -- <email> [base-url cookie-file]')
  process.exit(2)
}

const userId = async (e: string) => (await db().$queryRaw<{ id: string }[]>`select id::text from auth.users where lower(email) = lower(${e})`)[0]?.id
const target = await userId(email)
if (!target) throw new Error(`no user ${email}`)
const rows = (await db().$queryRaw<{ n: bigint }[]>`select count(*) as n from public.api_usage where user_id = ${target}::uuid`)[0].n
const empty = (await db().$queryRaw<{ id: string }[]>`
  select s.user_id::text as id from public.user_subscriptions s
   where not exists (select 1 from public.api_usage a where a.user_id = s.user_id) limit 1`)[0]?.id

const seeded = await median(() => getUsageDashboard(target), 30)
const baseline = empty ? await median(() => getUsageDashboard(empty), 30) : NaN
console.log(`usage rows for ${email}: ${rows.toLocaleString('en-US')}`)
console.log(`data layer, median of 30: ${seeded.toFixed(1)} ms (user with no calls: ${baseline.toFixed(1)} ms; ratio ${(seeded / baseline).toFixed(2)}x)`)

if (baseUrl && cookieFile) {
  const line = readFileSync(cookieFile, 'utf8').split('\n').find((l) => l.includes('tg_session'))
  const cookie = `tg_session=${line?.split('\t').pop()}`
  const page = await median(async () => {
    const r = await fetch(`${baseUrl}/settings/usage`, { headers: { cookie } })
    if (!r.ok) throw new Error(`HTTP ${r.status}`)
    await r.text()
  }, 20, 3)
  console.log(`GET /settings/usage on ${baseUrl}, median of 20: ${page.toFixed(1)} ms`)
}
await closeDatabase()
