import { describe, expect, it } from 'vitest'
import { parseEnv } from '@/lib/env'

describe('parseEnv', () => {
  it('gives the documented defaults for an empty environment', () => {
    expect(parseEnv({})).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      MIGRATE_ON_START: true,
      DATA_DIR: '.data',
      DATABASE_POOL_MAX: 10,
      SIGNUP_PLAN: 'demo',
      PAST_DUE_GRACE_DAYS: 7,
    })
  })

  it('takes a sign-up plan from the plan catalog and a whole number of grace days', () => {
    expect(parseEnv({ SIGNUP_PLAN: 'free', PAST_DUE_GRACE_DAYS: '0' })).toMatchObject({ SIGNUP_PLAN: 'free', PAST_DUE_GRACE_DAYS: 0 })
  })

  it('treats empty strings as unset', () => {
    const parsed = parseEnv({ DATABASE_URL: '', PORT: '' })
    expect(parsed.DATABASE_URL).toBeUndefined()
    expect(parsed.PORT).toBe(3000)
  })

  it('coerces numbers and booleans', () => {
    expect(parseEnv({ PORT: '8080', MIGRATE_ON_START: 'false' })).toMatchObject({ PORT: 8080, MIGRATE_ON_START: false })
  })

  it('accepts postgres and postgresql URLs, including Supabase poolers', () => {
    for (const url of ['postgres://u:p@db.example.supabase.co:5432/postgres', 'postgresql://u:p@127.0.0.1:6543/x?pgbouncer=true'])
      expect(parseEnv({ DATABASE_URL: url }).DATABASE_URL).toBe(url)
  })

  it.each([
    [{ DATABASE_URL: 'mysql://u@h/db' }, 'DATABASE_URL'],
    [{ PORT: '70000' }, 'PORT'],
    [{ MIGRATE_ON_START: 'maybe' }, 'MIGRATE_ON_START'],
    [{ SIGNUP_PLAN: 'Enterprise Plan' }, 'SIGNUP_PLAN'],
    [{ SIGNUP_PLAN: 'toString' }, 'SIGNUP_PLAN'],
    [{ PAST_DUE_GRACE_DAYS: '1.5' }, 'PAST_DUE_GRACE_DAYS'],
    [{ AUTH_SECRET: 'short' }, 'AUTH_SECRET must be at least 32 characters'],
    [{ NEXT_PUBLIC_SUPABASE_URL: 'https://x.supabase.co' }, 'Set both NEXT_PUBLIC_SUPABASE_URL and NEXT_PUBLIC_SUPABASE_ANON_KEY'],
  ])('refuses %j, naming the problem', (source, message) => {
    expect(() => parseEnv(source)).toThrow(message)
  })
})
