// Calling a real server action over HTTP, the way the browser's router does: POST to the page
// with the action's id in `Next-Action` and the arguments encoded by React's own client
// (encodeReply), so the server decodes exactly what a browser would send.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)
const { encodeReply } = require('next/dist/compiled/react-server-dom-webpack/client.node') as {
  encodeReply: (value: unknown[]) => Promise<string | FormData>
}

type ManifestEntry = { filename?: string; exportedName?: string }

/** The id the build gave `exportedName` of `file` (e.g. 'app/(app)/studio/actions.ts'). */
export function serverActionId(file: string, exportedName: string, distDir = '.next-test'): string {
  const manifest = JSON.parse(readFileSync(path.join(distDir, 'server', 'server-reference-manifest.json'), 'utf8')) as {
    node: Record<string, ManifestEntry>
  }
  const found = Object.entries(manifest.node).find(([, entry]) => entry.filename === file && entry.exportedName === exportedName)
  if (!found) throw new Error(`no server action ${exportedName} in ${file} in ${distDir}`)
  return found[0]
}

/** FormData from a plain object, for actions with the useActionState signature (previous, formData). */
export function form(fields: Record<string, string>): FormData {
  const data = new FormData()
  for (const [name, value] of Object.entries(fields)) data.set(name, value)
  return data
}

/**
 * Invokes action `id` on `page` with `args`. `headers` may set cookie and origin; without an
 * origin the request carries the server's own (as a same-origin browser fetch would).
 */
export async function callServerAction(baseUrl: string, page: string, id: string, args: unknown[], headers: Record<string, string> = {}): Promise<Response> {
  const body = await encodeReply(args)
  return fetch(`${baseUrl}${page}`, {
    method: 'POST',
    headers: {
      accept: 'text/x-component',
      'next-action': id,
      origin: baseUrl,
      ...(typeof body === 'string' ? { 'content-type': 'text/plain;charset=UTF-8' } : {}),
      ...headers,
    },
    body,
    redirect: 'manual',
  })
}

export type ActionOutcome = { value: unknown } | { error: unknown } | null

/**
 * What an action did, from its React Flight answer: row 0 names the row (`"a":"$@N"`) holding
 * the returned value, or an error row (`E{…}`) when the call threw or was refused. Null when
 * the answer carries neither (a redirect).
 */
export function actionOutcome(flight: string): ActionOutcome {
  const rows = new Map<string, string>()
  for (const line of flight.split('\n')) {
    const match = /^([0-9a-f]+):(.*)$/.exec(line)
    if (match) rows.set(match[1], match[2])
  }
  const root = rows.get('0')
  if (!root) return null
  const ref = (JSON.parse(root) as { a?: unknown }).a
  if (typeof ref !== 'string' || !ref.startsWith('$@')) return null
  const row = rows.get(ref.slice(2))
  if (row === undefined) return null
  return row.startsWith('E') ? { error: JSON.parse(row.slice(1)) } : { value: JSON.parse(row) }
}
