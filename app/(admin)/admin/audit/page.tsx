// GET /admin/audit — every operator write, newest first (console, operator API, command line).
import type { Metadata } from 'next'
import { AuditTable } from '@/components/admin/audit-table'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { listAudit } from '@/lib/admin/audit'
import { requireOperator } from '@/lib/admin/session'
import { PageTitle } from '@/components/admin/page-title'

export const metadata: Metadata = { title: 'Audit — Console' }

export default async function AuditPage({ searchParams }: PageProps<'/admin/audit'>) {
  await requireOperator()
  const { before } = await searchParams
  const entries = await listAudit({ limit: 50, before: typeof before === 'string' ? before : undefined })
  return (
    <div className="grid gap-6">
      <PageTitle title="Audit" />
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Audit log</CardTitle>
          <CardDescription>Every change an operator made, from the console, the operator API or the command line. It cannot be edited or deleted.</CardDescription>
        </CardHeader>
        <CardContent>
          <AuditTable entries={entries} olderHref={entries.length === 50 ? `/admin/audit?before=${entries[entries.length - 1].id}` : null} />
        </CardContent>
      </Card>
    </div>
  )
}
