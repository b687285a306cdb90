import type { Metadata } from 'next'
import { signInAction } from '@/app/(auth)/actions'
import { AuthForm } from '@/components/auth/auth-form'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { returnToUnlessSignedIn } from '@/app/(auth)/return-to'

export const metadata: Metadata = { title: 'Sign in' }

export default async function LoginPage({ searchParams }: PageProps<'/login'>) {
  const returnTo = await returnToUnlessSignedIn((await searchParams).next)
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
