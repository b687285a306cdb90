import 'server-only'
import { z } from 'zod'
import type { Actor } from '@/lib/admin/actor'
import { auditedWrite } from '@/lib/admin/audit'
import { withOperatorRead, type OperatorTx } from '@/lib/admin/db'
import { violatesConstraint, sqlState } from '@/lib/db/errors'
import { AppError } from '@/lib/errors'
import { invalidatePriceOverrides } from '@/lib/pricing/model-prices'

// Operators' price overrides (public.model_prices): listed, created and ended from the console,
// the operator API and the command line alike. The table's exclusion constraint is what refuses
// two prices for one model, unit and variant at one instant; this module only puts its refusal
// into words. Rows are never deleted: a bill's price snapshot names the override that priced it.

export const PRICE_UNITS = ['input_mtok', 'cache_read_mtok', 'cache_write_mtok', 'output_mtok', 'input_image_mtok', 'image', 'second', 'megapixel', 'generation'] as const

export type OverrideState = 'active' | 'scheduled' | 'ended'

export type PriceOverrideRow = {
  id: string
  provider: string
  model: string
  unit: string
  variant: string
  price: string
  effective_from: string
  effective_to: string | null
  source: string
  note: string | null
  created_at: string
  state: OverrideState
}

const Day = z.coerce.date({ error: 'must be a date such as 2026-12-01 or 2026-12-01T00:00:00Z' })

export const CreateOverrideSchema = z
  .object({
    provider: z.string({ error: 'provider is required' }).trim().min(1, 'provider is required').max(50, 'provider is at most 50 characters'),
    model: z.string({ error: 'model is required' }).trim().min(1, 'model is required').max(200, 'model is at most 200 characters'),
    unit: z.enum(PRICE_UNITS, { error: `unit must be one of ${PRICE_UNITS.join(', ')}` }),
    variant: z.string().trim().max(100, 'variant is at most 100 characters').default(''),
    price: z.string({ error: 'price is required' }).trim().regex(/^\d{1,12}(\.\d{1,12})?$/, 'price must be a decimal amount in USD such as 2.50 (at most 12 decimals)'),
    effectiveFrom: Day,
    effectiveTo: Day.nullable().default(null),
    source: z.string({ error: 'source is required' }).trim().min(1, 'say where the price comes from (a contract, a pricing page)').max(500),
    note: z.string().trim().max(1000).optional(),
  })
  .refine((o) => !o.effectiveTo || o.effectiveTo > o.effectiveFrom, { message: 'the end must be after the start', path: ['effectiveTo'] })
export type CreateOverrideInput = z.input<typeof CreateOverrideSchema>

const SELECT_ROW = `id::text, provider, model, unit, variant, trim_scale(price)::text as price,
  to_char(effective_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as effective_from,
  to_char(effective_to at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as effective_to,
  source, note, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at,
  case when effective_from > now() then 'scheduled' when effective_to is not null and effective_to <= now() then 'ended' else 'active' end as state`

async function readOverride(tx: OperatorTx, id: string): Promise<PriceOverrideRow | null> {
  const rows = await tx.$queryRawUnsafe<PriceOverrideRow[]>(`select ${SELECT_ROW} from public.model_prices where id = $1::uuid`, id)
  return rows[0] ?? null
}

/** Every override, in force first, then scheduled, then ended (newest first within each). */
export function listOverrides(limit = 500): Promise<PriceOverrideRow[]> {
  return withOperatorRead((tx) =>
    tx.$queryRawUnsafe<PriceOverrideRow[]>(
      `select ${SELECT_ROW} from public.model_prices
        order by case when effective_from > now() then 1 when effective_to is not null and effective_to <= now() then 2 else 0 end,
                 effective_from desc, id
        limit $1`,
      Math.min(Math.max(limit, 1), 2000),
    ),
  )
}

const when = (iso: string | null) => (iso ? iso.replace('T00:00:00Z', '').replace('T', ' ').replace('Z', ' UTC') : 'open-ended')
const what = (o: { provider: string; model: string; unit: string; variant: string }) => `${o.provider}/${o.model} ${o.unit}${o.variant ? ` (${o.variant})` : ''}`

/** The sentence for an exclusion-constraint refusal: which override is in the way, and its dates. */
async function overlapError(o: { provider: string; model: string; unit: string; variant: string; from: Date; to: Date | null; except?: string }): Promise<AppError> {
  const rows = await withOperatorRead((tx) =>
    tx.$queryRawUnsafe<PriceOverrideRow[]>(
      `select ${SELECT_ROW} from public.model_prices
        where provider = $1 and model = $2 and unit = $3 and variant = $4 and ($7::uuid is null or id <> $7::uuid)
          and tstzrange(effective_from, effective_to, '[)') && tstzrange($5::timestamptz, $6::timestamptz, '[)')
        order by effective_from limit 1`,
      o.provider, o.model, o.unit, o.variant, o.from, o.to, o.except ?? null,
    ),
  )
  const other = rows[0]
  const message = other
    ? `An override for ${what(o)} already covers ${when(other.effective_from)} … ${when(other.effective_to)} (${other.price} USD, ${other.state}); end it first or choose dates outside it.`
    : `An override for ${what(o)} already covers part of that period; end it first.`
  return new AppError('price_overlap', message, { param: o.except ? 'effectiveTo' : 'effectiveFrom' })
}

function fieldError(error: z.ZodError): AppError {
  const issue = error.issues[0]
  const param = String(issue?.path[0] ?? 'form')
  return new AppError('invalid_request', issue ? `${param}: ${issue.message}` : 'invalid override', { param })
}

/**
 * Adds a price override (audited). Throws AppError price_overlap (409, naming the override in
 * the way) when another covers part of the period, invalid_request (400, with the field) for
 * bad input. The writing process sees the new price at once; others within PRICE_CACHE_MS.
 */
export async function createOverride(actor: Actor, input: unknown): Promise<PriceOverrideRow> {
  const parsed = CreateOverrideSchema.safeParse(input)
  if (!parsed.success) throw fieldError(parsed.error)
  const o = parsed.data
  try {
    const row = await auditedWrite(actor, 'price_override.create', { label: what(o) }, async (tx) => {
      const created = await tx.$queryRaw<{ id: string }[]>`
        insert into public.model_prices (provider, model, unit, variant, price, effective_from, effective_to, source, note)
        values (${o.provider}, ${o.model}, ${o.unit}, ${o.variant}, ${o.price}::numeric, ${o.effectiveFrom}, ${o.effectiveTo}, ${o.source}, ${o.note ?? null})
        returning id::text`
      const after = (await readOverride(tx, created[0].id))!
      return { before: null, after, result: after }
    })
    invalidatePriceOverrides()
    return row
  } catch (error) {
    if (violatesConstraint(error, 'model_prices_no_overlap')) throw await overlapError({ ...o, from: o.effectiveFrom, to: o.effectiveTo })
    throw checkError(error)
  }
}

/** A check constraint the zod schema missed (or a newer one): 400 in words, never a 500. */
function checkError(error: unknown): unknown {
  if (sqlState(error) === '23514') return new AppError('invalid_request', 'The database refused that override: the price must be 0 or more, the end after the start, and provider and model non-empty.')
  return error
}

export const EndOverrideSchema = z.object({
  id: z.uuid({ error: 'Unknown override' }),
  /** When it stops applying: now when absent. Never in the past: bills already priced by it stay as they were. */
  at: Day.optional(),
})

/**
 * Ends an override at `at` (now by default; audited): from then on the catalog price (or a later
 * override) applies. Refused in words when it has already ended, when `at` is in the past, or
 * when `at` is not after its start (a scheduled override ends after it starts).
 */
export async function endOverride(actor: Actor, input: unknown): Promise<PriceOverrideRow> {
  const parsed = EndOverrideSchema.safeParse(input)
  if (!parsed.success) throw fieldError(parsed.error)
  const { id } = parsed.data
  let row: PriceOverrideRow | null = null
  try {
    const ended = await auditedWrite(actor, 'price_override.end', {}, async (tx) => {
      // The row is locked so two operators ending it at once are serialized and judged on what they see.
      const locked = await tx.$queryRaw<{ now: Date }[]>`select now() as now from public.model_prices where id = ${id}::uuid for update`
      row = await readOverride(tx, id)
      if (!locked[0] || !row) throw new AppError('not_found', 'No such price override.', { param: 'id' })
      const now = locked[0].now
      // A form's datetime field has minute precision: an end within the last minute means now.
      const asked = parsed.data.at ?? now
      const at = asked < now && now.getTime() - asked.getTime() <= 60_000 ? now : asked
      if (at < now) throw new AppError('invalid_request', 'The end cannot be in the past: prices already charged stay as they were.', { param: 'at' })
      if (row.effective_to && new Date(row.effective_to) <= now) throw new AppError('conflict', `The override for ${what(row)} already ended on ${when(row.effective_to)}.`, { param: 'id' })
      if (at <= new Date(row.effective_from)) {
        throw new AppError('invalid_request', `The override for ${what(row)} starts on ${when(row.effective_from)}: choose an end after that.`, { param: 'at' })
      }
      await tx.$executeRaw`update public.model_prices set effective_to = ${at} where id = ${id}::uuid`
      const after = (await readOverride(tx, id))!
      return { before: row, after, result: after }
    })
    invalidatePriceOverrides()
    return ended
  } catch (error) {
    const r = row as PriceOverrideRow | null
    if (r && violatesConstraint(error, 'model_prices_no_overlap')) {
      throw await overlapError({ ...r, from: new Date(r.effective_from), to: parsed.data.at ?? null, except: r.id })
    }
    throw checkError(error)
  }
}
