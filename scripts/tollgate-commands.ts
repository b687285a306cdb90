// The operator commands behind `npm run tollgate` (see scripts/tollgate.ts, which makes sure a
// database is there). Users are named by email or id.
import type { Actor } from '../lib/admin/actor'
import { createOperatorKey, listOperatorKeys, revokeOperatorKey } from '../lib/admin/keys'
import { fixUserCounters, setUserBudget, setUserEnforcement, setUserLimit, setUserPlan, setUserRequestsPerMinute, setUserTokensPerMinute } from '../lib/admin/manage'
import { grantOperator, listOperators, revokeOperator } from '../lib/admin/operators'
import { createPlan, planFields, updatePlan } from '../lib/admin/plans'
import { getPlan, isPlanId, listPlans } from '../lib/billing/plans'
import { closeDatabase, db } from '../lib/db/prisma'
import { listDeadLetters, listSpooled, replaySpool, retryDeadLetters } from '../lib/metering/spool'
import { UnsafeUrlError } from '../lib/net/public-https'
import { setAlertWebhook } from '../lib/usage/alert-webhooks'
import { AppError } from '../lib/errors'
import { getUserUsage } from '../lib/usage/summary'
import { reconcileUsage, releaseHolds } from '../lib/usage/reconcile'
import { retentionCommand } from './tollgate-retention'
import { hasQuotaColumns, isServiceType, SERVICE_TYPE_IDS as SERVICES, type ServiceType } from '../lib/services'

const HELP = `Usage: npm run tollgate -- <command>

  plan <user> <plan id>                      move a user to a plan (a period of its length)
  plan list                                  the plans (edit them in the console: /admin/plans)
  plan create <id> <field=value…>            a new plan (fields as the console's: name, price, limit_chat, …)
  plan set <id> <field=value…> [--now]       change a plan's terms: its subscribers get them at their
                                             next period, or at once with --now (overrides kept)
  limit <user> <service> <n|none>            set one service's limit per period (${SERVICES.join(', ')});
                                             none: no quota (services without a quota column)
  rpm <user> <service> <n>                   set one service's requests per minute
  tpm <user> <service> <n|none>              set one service's tokens per minute (input + output)
  enforcement <user> <off|soft|hard>         set the enforcement mode
  budget <user> <usd|none>                   set or clear the monthly cost budget
  webhook <user> <https url|none>            set where alerts are POSTed (prints the signing secret)
  usage <user>                               plan, use against limits, costs
  holds release <user|--all> [--expired]     release stuck holds of calls that will never settle
  reconcile [user] [--fix]                   check counters against the usage rows; exit 1 on drift
                                             (--fix: set the user's drifted counters to what the rows say)
  operator grant|revoke <email>              give or take the operator role (the console at /admin)
  operator list                              who has the role (TOLLGATE_OPERATORS adds more)
  operator-key create <admin|service> <name> issue a key (shown once): admin for /api/admin/v1,
                                             service to call the gateway for your own users
  operator-key list | revoke <id>            the issued keys; revoke one for good
  spool                                      usage rows waiting in DATA_DIR's spool, and dead letters with their reason
  spool replay                               replay the spool now (the app does it every 5 s)
  spool retry                                retry the dead letters (after fixing their cause); exit 1 if any stay dead
  retention --before <YYYY-MM> [--apply]     drop the ledger's (api_usage) months before that one, whole;
  retention --keep-months <n> [--apply]      or keep the last n (the current month counts); a dry run
                                             unless --apply; never the current month; rollups are kept`

class UsageError extends Error {}

/** `plan create|set <id> field=value… [--now]`: the fields of lib/admin/plans.ts (empty value: none). */
async function planCommand(verb: 'create' | 'set', args: string[]): Promise<number> {
  const [id, ...rest] = args
  if (!id) throw new UsageError(`missing <plan id>`)
  const now = rest.includes('--now')
  const pairs = rest.filter((a) => a !== '--now').map((a) => {
    const at = a.indexOf('=')
    if (at < 1) throw new UsageError(`expected field=value, not ${a}`)
    return [a.slice(0, at), a.slice(at + 1) === '' ? null : a.slice(at + 1)] as const
  })
  const fields = Object.fromEntries(pairs)
  if (verb === 'create') {
    const plan = await createPlan(CLI, { id, ...Object.fromEntries(pairs.filter(([, v]) => v !== null)) })
    console.log(`created plan ${plan.id} (${plan.name})`)
    return 0
  }
  const current = await getPlan(id)
  if (!current) throw new UsageError(`no plan ${id}`)
  const done = await updatePlan(CLI, id, { ...planFields(current), ...fields }, now ? 'now' : 'next_period')
  console.log(now ? `plan ${id} changed; ${done.subscribersUpdated} subscriber(s) updated now` : `plan ${id} changed; subscribers get it at their next period`)
  return 0
}

/** Every change made here is audited as the command line's. */
const CLI: Actor = { kind: 'cli' }

async function userId(ref: string | undefined): Promise<string> {
  if (!ref) throw new UsageError('missing <user>')
  const rows = await db().$queryRaw<{ id: string }[]>`
    select id::text from auth.users where id::text = ${ref} or lower(email) = lower(${ref})`
  if (!rows[0]) throw new UsageError(`no user ${ref}`)
  return rows[0].id
}

function service(value: string | undefined): ServiceType {
  if (!isServiceType(value)) throw new UsageError(`service must be one of ${SERVICES.join(', ')}`)
  return value
}

function count(value: string | undefined): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`not a whole number: ${value}`)
  return n
}

async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args
  switch (command) {
    case 'plan': {
      if (rest[0] === 'list' && rest.length === 1) {
        for (const p of await listPlans()) {
          console.log(`${p.id.padEnd(16)} ${p.name.padEnd(32)} ${p.price} ${p.currency}/${p.periodMonths} mo  ${p.enforcement}  ${p.requestsPerMinute} rpm`)
        }
        return 0
      }
      if (rest[0] === 'create' || rest[0] === 'set') return planCommand(rest[0], rest.slice(1))
      if (!(await isPlanId(rest[1] ?? ''))) throw new UsageError(`plan must be one of ${(await listPlans()).map((p) => p.id).join(', ')}`)
      await setUserPlan(CLI, await userId(rest[0]), rest[1]!)
      console.log(`${rest[0]} is now on ${(await getPlan(rest[1]!))?.name}`)
      return 0
    }
    case 'limit': {
      const which = service(rest[1])
      if (rest[2] === 'none' && hasQuotaColumns(which)) throw new UsageError(`${which} always has a limit: give a number`)
      await setUserLimit(CLI, await userId(rest[0]), which, rest[2] === 'none' ? null : count(rest[2]))
      console.log(`${rest[1]} limit of ${rest[0]} set to ${rest[2]}`)
      return 0
    }
    case 'rpm':
      await setUserRequestsPerMinute(CLI, await userId(rest[0]), service(rest[1]), Math.max(1, count(rest[2])))
      console.log(`${rest[1]} requests per minute of ${rest[0]} set to ${rest[2]}`)
      return 0
    case 'tpm':
      await setUserTokensPerMinute(CLI, await userId(rest[0]), service(rest[1]), rest[2] === 'none' ? null : Math.max(1, count(rest[2])))
      console.log(`${rest[1]} tokens per minute of ${rest[0]} set to ${rest[2]}`)
      return 0
    case 'enforcement': {
      const mode = rest[1]
      if (mode !== 'off' && mode !== 'soft' && mode !== 'hard') throw new UsageError('mode must be off, soft or hard')
      await setUserEnforcement(CLI, await userId(rest[0]), mode)
      console.log(`enforcement of ${rest[0]} set to ${mode}`)
      return 0
    }
    case 'budget': {
      const value = rest[1]
      if (value !== 'none' && !/^\d{1,12}(\.\d{1,12})?$/.test(value ?? '')) throw new UsageError('budget must be a decimal amount in USD, or none')
      await setUserBudget(CLI, await userId(rest[0]), value === 'none' ? null : value!)
      console.log(`budget of ${rest[0]} set to ${value}`)
      return 0
    }
    case 'webhook': {
      const id = await userId(rest[0])
      const url = rest[1]
      if (!url) throw new UsageError('webhook <user> <https url|none>')
      // The same rule as the user's own setting: https, public addresses only.
      const saved = await setAlertWebhook(id, url === 'none' ? null : url).catch((error: unknown) => {
        throw error instanceof UnsafeUrlError ? new UsageError(error.message) : error
      })
      console.log(saved.url ? `alerts for ${rest[0]} go to ${saved.url}\nsigning secret: ${saved.secret}` : `alert webhook of ${rest[0]} removed`)
      return 0
    }
    case 'usage':
      console.log(JSON.stringify(await getUserUsage(await userId(rest[0])), null, 2))
      return 0
    case 'holds': {
      if (rest[0] !== 'release') throw new UsageError('holds release <user|--all> [--expired]')
      const all = rest[1] === '--all'
      const released = await releaseHolds({ userId: all ? undefined : await userId(rest[1]), expiredOnly: rest.includes('--expired') })
      console.log(`released ${released} hold(s)`)
      return 0
    }
    case 'reconcile': {
      const fix = rest.includes('--fix')
      const who = rest.find((r) => r !== '--fix')
      if (fix) {
        if (!who) throw new UsageError('reconcile <user> --fix: name the user')
        const fixed = await fixUserCounters(CLI, await userId(who))
        for (const l of fixed) console.log(`fixed ${l.measure}: ${l.counter} → ${l.from_rows}`)
        console.log(fixed.length ? `${fixed.length} counter(s) set from the usage rows` : 'no counter drifted')
        return 0
      }
      const lines = await reconcileUsage(who ? await userId(who) : undefined)
      for (const l of lines) console.log(`${l.ok ? 'ok   ' : 'DRIFT'} ${l.email ?? l.user_id} ${l.measure}: counter ${l.counter}, rows ${l.from_rows}`)
      const drift = lines.filter((l) => !l.ok).length
      console.log(drift ? `${drift} counter(s) differ from the usage rows` : `all ${lines.length} counters match the usage rows`)
      return drift ? 1 : 0
    }
    case 'spool':
      return spoolCommand(rest[0])
    case 'retention':
      return retentionCommand(rest)
    case 'operator':
      return operatorCommand(rest)
    case 'operator-key':
      return operatorKeyCommand(rest)
    default:
      console.log(HELP)
      return command && command !== 'help' ? 2 : 0
  }
}

async function operatorCommand([action, email]: string[]): Promise<number> {
  if (action === 'list') {
    for (const o of await listOperators()) console.log(`${o.email ?? o.user_id}  granted ${o.granted_at} by ${o.granted_by}`)
    return 0
  }
  if ((action !== 'grant' && action !== 'revoke') || !email) throw new UsageError('operator grant|revoke <email> | operator list')
  await (action === 'grant' ? grantOperator(CLI, email) : revokeOperator(CLI, email))
  console.log(action === 'grant' ? `${email} is an operator: the console is at /admin` : `${email} is no longer an operator`)
  return 0
}

async function operatorKeyCommand([action, kind, ...name]: string[]): Promise<number> {
  if (action === 'list') {
    for (const k of await listOperatorKeys()) console.log(`${k.id}  ${k.kind.padEnd(7)} ${k.prefix}…  ${k.name}  ${k.revoked_at ? `revoked ${k.revoked_at}` : `last used ${k.last_used_at ?? 'never'}`}`)
    return 0
  }
  if (action === 'revoke') {
    if (!(await revokeOperatorKey(CLI, kind ?? ''))) throw new UsageError(`no active operator key ${kind}`)
    console.log(`key ${kind} revoked`)
    return 0
  }
  if (action !== 'create' || (kind !== 'admin' && kind !== 'service') || name.length === 0) throw new UsageError('operator-key create <admin|service> <name> | list | revoke <id>')
  const created = await createOperatorKey(CLI, kind, name.join(' '))
  console.log(`${kind} key ${created.id} (${created.name}); shown once, keep it secret:\n${created.key}`)
  return 0
}

/** The usage spool of this machine's DATA_DIR: rows the app could not store yet, and the dead letters it never can by itself. */
async function spoolCommand(action: string | undefined): Promise<number> {
  let code = 0
  if (action === 'replay') {
    console.log(`replayed ${await replaySpool()} row(s)`)
  } else if (action === 'retry') {
    const { stored, dead } = await retryDeadLetters()
    console.log(`stored ${stored}, still dead ${dead}`)
    code = dead ? 1 : 0
  } else if (action !== undefined) {
    throw new UsageError('spool [replay|retry]')
  }
  const dead = listDeadLetters()
  console.log(`${listSpooled().length} row(s) waiting to be replayed`)
  console.log(`${dead.length} dead letter(s)${dead.length ? ':' : ''}`)
  for (const d of dead) console.log(`  ${d.request_id ?? '(no request id)'}  ${d.failed_at}  ${d.reason} (${d.attempts} attempt(s))`)
  return code
}

try {
  process.exitCode = await run(process.argv.slice(2))
} catch (error) {
  // A rule the library enforces (a bad value, an unknown user) is the operator's to fix, as a usage error.
  const refused = error instanceof AppError && error.status < 500
  console.error(error instanceof UsageError ? `tollgate: ${error.message}\n\n${HELP}` : refused ? `tollgate: ${error.message}` : error)
  process.exitCode = error instanceof UsageError || refused ? 2 : 1
} finally {
  await closeDatabase()
}
