import Link from 'next/link'
import { Download } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'
import { SERVICE_TYPES } from '@/lib/services'

export type ActivityFilterValues = { service?: string; status?: string; model?: string; campaign?: string; from?: string; to?: string }

const selectClass =
  'h-9 w-full rounded-md border border-input bg-transparent px-3 text-sm shadow-xs focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring dark:bg-input/30'

/** A plain GET form: filters live in the URL, so a filtered view can be linked and needs no script. */
export function ActivityFilters({ values, campaigns, exportHref }: { values: ActivityFilterValues; campaigns: { id: string; name: string }[]; exportHref: string }) {
  return (
    <form method="get" action="/settings/activity" className="grid gap-3 sm:grid-cols-3 lg:grid-cols-6 lg:items-end" aria-label="Filter activity">
      <div className="grid gap-1.5">
        <Label htmlFor="f-service">Service</Label>
        <select id="f-service" name="service" defaultValue={values.service ?? ''} className={selectClass}>
          <option value="">All</option>
          {SERVICE_TYPES.map((s) => (
            <option key={s.id} value={s.id}>
              {s.label}
            </option>
          ))}
        </select>
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor="f-status">Status</Label>
        <select id="f-status" name="status" defaultValue={values.status ?? ''} className={selectClass}>
          <option value="">All</option>
          <option value="success">Success</option>
          <option value="error">Error</option>
          <option value="limit_exceeded">Limit exceeded</option>
          <option value="rate_limited">Rate limited</option>
          <option value="client_aborted">Client aborted</option>
        </select>
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor="f-model">Model</Label>
        <Input id="f-model" name="model" defaultValue={values.model ?? ''} placeholder="gpt-4o" />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor="f-campaign">Campaign</Label>
        <select id="f-campaign" name="campaign" defaultValue={values.campaign ?? ''} className={selectClass}>
          <option value="">All</option>
          {campaigns.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor="f-from">From</Label>
        <Input id="f-from" name="from" type="date" defaultValue={values.from ?? ''} />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor="f-to">To (inclusive)</Label>
        <Input id="f-to" name="to" type="date" defaultValue={values.to ?? ''} />
      </div>
      <div className="flex flex-wrap gap-2 sm:col-span-3 lg:col-span-6">
        <Button type="submit">Apply</Button>
        <Button variant="outline" asChild>
          <Link href="/settings/activity">Reset</Link>
        </Button>
        <Button variant="outline" asChild className="sm:ml-auto">
          <a href={exportHref} download>
            <Download className="size-4" aria-hidden /> Export CSV
          </a>
        </Button>
      </div>
    </form>
  )
}
