import type { Metadata } from 'next'
import { redirect } from 'next/navigation'
import { signInAction } from '@/app/(auth)/actions'
import { AuthForm } from '@/components/auth/auth-form'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { safeReturnPath } from '@/lib/http/return-path'
import { getUser } from '@/lib/auth'

export const metadata: Metadata = { title: 'Sign in' }

export default async function LoginPage({ searchParams }: PageProps<'/login'>) {
  const { next } = await searchParams
  const returnTo = typeof next === 'string' ? safeReturnPath(next) : undefined
  if (await getUser()) redirect(returnTo ?? '/studio')
  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">Sign in</CardTitle>
        <CardDescription>Welcome back. See what your AI calls cost.</CardDescription>
      </CardHeader>
      <CardContent>
        <AuthForm mode="login" action={signInAction} next={returnTo} />
      </CardContent>
    </Card>
  )
}
