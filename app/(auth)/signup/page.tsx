import type { Metadata } from 'next'
import { signUpAction } from '@/app/(auth)/actions'
import { AuthForm } from '@/components/auth/auth-form'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { returnToUnlessSignedIn } from '@/app/(auth)/return-to'

export const metadata: Metadata = { title: 'Create your account' }

export default async function SignUpPage({ searchParams }: PageProps<'/signup'>) {
  const returnTo = await returnToUnlessSignedIn((await searchParams).next)
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
