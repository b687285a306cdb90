// GET /admin/access — who has the operator role, and the admin and service keys operators issued.
import type { Metadata } from 'next'
import { createOperatorKeyAction, grantOperatorAction, revokeOperatorAction, revokeOperatorKeyAction } from '@/app/(admin)/admin/access/actions'
import { OperatorKeys } from '@/components/admin/operator-keys'
import { OperatorList } from '@/components/admin/operator-list'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { listOperatorKeys } from '@/lib/admin/keys'
import { listOperators } from '@/lib/admin/operators'
import { requireOperator } from '@/lib/admin/session'
import { env } from '@/lib/env'
import { PageTitle } from '@/components/admin/page-title'

export const metadata: Metadata = { title: 'Access — Console' }

export default async function AccessPage() {
  const operator = await requireOperator()
  const [operators, keys] = await Promise.all([listOperators(), listOperatorKeys()])
  return (
    <div className="grid gap-6">
      <PageTitle title="Access" />
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Operators</CardTitle>
          <CardDescription>
            People who can open this console. {env.TOLLGATE_OPERATORS.length ? `TOLLGATE_OPERATORS also lists ${env.TOLLGATE_OPERATORS.length} address(es); change that variable to remove them.` : 'TOLLGATE_OPERATORS lists nobody.'}
          </CardDescription>
        </CardHeader>
        <CardContent>
          <OperatorList operators={operators} self={operator.email} grantAction={grantOperatorAction} revokeAction={revokeOperatorAction} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Operator keys</CardTitle>
          <CardDescription>
            Admin keys (tga_…) call the operator API at /api/admin/v1. Service keys (tgs_…) call the gateway for your product&apos;s own users, named in the x-tollgate-user header.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <OperatorKeys keys={keys} createAction={createOperatorKeyAction} revokeAction={revokeOperatorKeyAction} />
        </CardContent>
      </Card>
    </div>
  )
}
