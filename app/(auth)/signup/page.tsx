import type { Metadata } from 'next'
import { redirect } from 'next/navigation'
import { signUpAction } from '@/app/(auth)/actions'
import { AuthForm } from '@/components/auth/auth-form'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { safeReturnPath } from '@/lib/http/return-path'
import { getUser } from '@/lib/auth'

export const metadata: Metadata = { title: 'Create your account' }

export default async function SignUpPage({ searchParams }: PageProps<'/signup'>) {
  const { next } = await searchParams
  const returnTo = typeof next === 'string' ? safeReturnPath(next) : undefined
  if (await getUser()) redirect(returnTo ?? '/studio')
  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">Create your account</CardTitle>
        <CardDescription>Start on the Demo plan: every service, tracked, no card needed.</CardDescription>
      </CardHeader>
      <CardContent>
        <AuthForm mode="signup" action={signUpAction} next={returnTo} />
      </CardContent>
    </Card>
  )
}
