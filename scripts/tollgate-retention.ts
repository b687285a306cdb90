// `npm run tollgate -- retention …` (scripts/tollgate-commands.ts): the ledger's old months,
// dropped whole. A dry run unless --apply: it says what would go, and what stays.
import { AppError } from '../lib/errors'
import { applyLedgerRetention, planLedgerRetention, type LedgerMonth } from '../lib/usage/ledger-months'

const USAGE = 'retention --before <YYYY-MM> [--apply] | retention --keep-months <n> [--apply]'

function line(m: LedgerMonth & { rows: number }): string {
  return `  ${m.month}  ${m.partition.padEnd(24)} ${m.rows.toLocaleString('en-US').padStart(13)} rows  ${(m.bytes / 1e9).toFixed(2).padStart(8)} GB`
}

/** Prints the plan (and applies it with --apply); exit code 0. Refusals are AppErrors (exit 2). */
export async function retentionCommand(args: string[]): Promise<number> {
  const apply = args.includes('--apply')
  const [flag, value, ...extra] = args.filter((a) => a !== '--apply')
  if (extra.length || !value || (flag !== '--before' && flag !== '--keep-months')) throw new AppError('invalid_request', `usage: ${USAGE}`)
  const plan = await planLedgerRetention(flag === '--before' ? { before: value } : { keepMonths: value })
  const kept = plan.keep.length ? `${plan.keep[0].month} … ${plan.keep.at(-1)!.month}` : 'none'
  if (plan.drop.length === 0) {
    console.log(`nothing to drop: api_usage has no month before ${plan.firstKept} (months kept: ${kept})`)
    return 0
  }
  console.log(`${apply ? 'dropping' : 'would drop'} ${plan.drop.length} month(s) of api_usage before ${plan.firstKept}, with their calls' details:`)
  for (const m of plan.drop) console.log(line(m))
  console.log(`kept: ${kept}; the rollups (usage_aggregations, console_*) are not touched, so totals and charts keep every month`)
  if (!apply) {
    console.log('dry run: nothing dropped; add --apply to drop them')
    return 0
  }
  const done = await applyLedgerRetention(plan)
  console.log(`dropped ${done.dropped.length} month(s) (${done.dropped.join(', ')}) and ${done.details} details row(s)`)
  return 0
}
