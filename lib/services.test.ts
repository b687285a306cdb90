// The services are declared twice by necessity, once per language: lib/services.ts for the app
// and public.service_counters() for the database functions. These must say the same thing.
import { readFileSync } from 'node:fs'
import { get_dmmf } from '@prisma/prisma-schema-wasm'
import { describe, expect, it } from 'vitest'
import { withClient } from '@/test/databases'
import { OTHER_SERVICES, SERVICES, SERVICE_TYPE_IDS } from '@/lib/services'

type Model = { dbName: string | null; fields: { name: string; dbName: string | null }[] }
const models: Model[] = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: readFileSync('prisma/schema.prisma', 'utf8') }))).datamodel.models

const url = () => process.env.DATABASE_URL!

describe('the service declaration', () => {
  it('agrees with public.service_counters(), service by service and in order', async () => {
    const rows = await withClient(url(), async (c) => (await c.query('select * from public.service_counters()')).rows)
    expect(rows).toEqual(
      SERVICES.map((s) => ({
        service: s.id,
        quota_name: s.quotaName,
        used_column: s.usedColumn,
        limit_column: s.limitColumn,
        units: s.units,
        units_column: s.unitsColumn,
      })),
    )
  })

  it('names columns that exist: counters and limits on user_subscriptions and effective_limits, units on api_usage', async () => {
    const columns = await withClient(url(), async (c) => {
      const { rows } = await c.query<{ table_name: string; column_name: string }>(
        `select table_name, column_name from information_schema.columns
          where table_schema = 'public' and table_name in ('user_subscriptions', 'api_usage')
         union all
         select 'effective_limits', attname from pg_attribute where attrelid = 'public.effective_limits'::regclass and attnum > 0`,
      )
      return new Set(rows.map((r) => `${r.table_name}.${r.column_name}`))
    })
    for (const s of SERVICES) {
      expect(columns).toContain(`user_subscriptions.${s.usedColumn}`)
      expect(columns).toContain(`user_subscriptions.${s.limitColumn}`)
      expect(columns).toContain(`effective_limits.${s.limitColumn}`)
      if (s.unitsColumn) expect(columns).toContain(`api_usage.${s.unitsColumn}`)
    }
    // The Prisma spellings name the same columns.
    const fields = models.find((m) => m.dbName === 'user_subscriptions')!.fields
    for (const s of SERVICES) {
      expect(fields.find((f) => f.name === s.usedField)?.dbName).toBe(s.usedColumn)
      expect(fields.find((f) => f.name === s.limitField)?.dbName).toBe(s.limitColumn)
    }
  })

  it('answers nulls for a service with no quota (budget and rate only)', async () => {
    const row = await withClient(url(), async (c) => (await c.query(`select (public.service_counter('embedding')).*`)).rows[0])
    expect(row).toEqual({ service: null, quota_name: null, used_column: null, limit_column: null, units: null, units_column: null })
  })

  it('names the map quotas of the services without columns as public.service_map_counter() does', async () => {
    const rows = await withClient(url(), async (c) => (await c.query(`select (public.service_map_counter(s)).* from unnest($1::text[]) s`, [OTHER_SERVICES.map((s) => s.id)])).rows)
    expect(rows).toEqual(OTHER_SERVICES.map((s) => ({ service: s.id, quota_name: s.quotaName, used_column: null, limit_column: null, units: s.units, units_column: null })))
  })

  it('lists every service type the database accepts, and only those (ledger and quota maps)', async () => {
    const checks = await withClient(url(), async (c) =>
      (await c.query(`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'api_usage_service_type_check'`)).rows[0].def as string,
    )
    expect([...checks.matchAll(/'([a-z]+)'/g)].map((m) => m[1]).sort()).toEqual([...SERVICE_TYPE_IDS].sort())
    const valid = await withClient(url(), async (c) =>
      (await c.query(`select s, public.valid_service_map(jsonb_build_object(s, 1)) as ok from unnest($1::text[]) s`, [SERVICE_TYPE_IDS])).rows,
    )
    expect(valid).toEqual(SERVICE_TYPE_IDS.map((s) => ({ s, ok: OTHER_SERVICES.some((o) => o.id === s) })))
  })
})
