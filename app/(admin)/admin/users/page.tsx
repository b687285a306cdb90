// GET /admin/users — every user: search, sort, keyset pages (lib/admin/user-list.ts).
import type { Metadata } from 'next'
import Link from 'next/link'
import { Search } from 'lucide-react'
import { UserTable, usersHref } from '@/components/admin/user-table'
import { Button } from '@/components/ui/button'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { Input } from '@/components/ui/input'
import { listUsers, UserListQuerySchema } from '@/lib/admin/user-list'
import { requireOperator } from '@/lib/admin/session'
import { toAppError } from '@/lib/errors'
import { PageTitle } from '@/components/admin/page-title'

export const metadata: Metadata = { title: 'Users — Console' }

const one = (v: string | string[] | undefined) => (typeof v === 'string' && v !== '' ? v : undefined)

export default async function UsersPage({ searchParams }: PageProps<'/admin/users'>) {
  await requireOperator()
  const params = await searchParams
  const query = UserListQuerySchema.safeParse({ q: one(params.q), sort: one(params.sort), dir: one(params.dir), after: one(params.after), before: one(params.before) })
  const order = query.success ? query.data : { q: undefined, sort: 'created' as const, dir: 'desc' as const }
  let page: Awaited<ReturnType<typeof listUsers>> | null = null
  let error = query.success ? null : query.error.issues[0].message
  if (query.success) {
    try {
      page = await listUsers(query.data)
    } catch (thrown) {
      const appError = toAppError(thrown)
      if (appError.code !== 'invalid_request') throw thrown
      error = appError.message
    }
  }
  return (
    <div className="grid gap-6">
      <PageTitle title="Users" />
      <Card>
        <CardHeader>
          <CardTitle className="text-base">Users</CardTitle>
          <CardDescription>Search by email, your product&apos;s external id or user id. Use and cost are this plan period&apos;s.</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4">
          <form role="search" action="/admin/users" className="flex gap-2">
            <input type="hidden" name="sort" value={order.sort} />
            <input type="hidden" name="dir" value={order.dir} />
            <Input type="search" name="q" role="searchbox" aria-label="Search users" placeholder="Email, external id or user id" defaultValue={order.q ?? ''} maxLength={255} />
            <Button type="submit" variant="outline">
              <Search className="size-4" aria-hidden /> Search
            </Button>
          </form>
          {error ? <p role="alert" className="text-sm text-destructive">{error} <Link className="underline" href="/admin/users">Start again</Link></p> : null}
          {page && page.rows.length === 0 ? <p className="text-sm text-muted-foreground">{order.q ? `No user matches “${order.q}”.` : 'No users yet.'}</p> : null}
          {page && page.rows.length > 0 ? <UserTable rows={page.rows} order={order} /> : null}
          {page && (page.prev || page.next) ? (
            <nav aria-label="Pages" className="flex justify-between text-sm">
              {page.prev ? <Link className="underline underline-offset-4" href={usersHref(order, { before: page.prev })}>Previous</Link> : <span />}
              {page.next ? <Link className="underline underline-offset-4" href={usersHref(order, { after: page.next })}>Next</Link> : <span />}
            </nav>
          ) : null}
        </CardContent>
      </Card>
    </div>
  )
}
