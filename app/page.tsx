import Link from 'next/link'
import { ArrowRight, BarChart3, Gauge, ReceiptText, ShieldCheck } from 'lucide-react'
import { Brand } from '@/components/brand'
import { Button } from '@/components/ui/button'
import { getUser } from '@/lib/auth'

const FEATURES = [
  {
    icon: ShieldCheck,
    title: 'Admit or refuse, atomically',
    text: 'Every call is checked against the user’s plan in one database step, so twenty parallel requests can never slip past a limit of one.',
  },
  {
    icon: ReceiptText,
    title: 'An honest bill',
    text: 'Tokens, images and video seconds priced from dated, sourced price lists with exact decimal maths — cached tokens never counted twice.',
  },
  {
    icon: Gauge,
    title: 'OpenAI-compatible gateway',
    text: 'Point the official SDK at Tollgate with a key: chat, streaming, content, images and video go through, metered.',
  },
  {
    icon: BarChart3,
    title: 'Usage your users can see',
    text: 'Plan, usage against limits, month and lifetime cost, charts and alerts on Settings → Usage & Costs.',
  },
]

export default async function LandingPage() {
  const user = await getUser()
  return (
    <div className="flex min-h-dvh flex-col">
      <header className="mx-auto flex w-full max-w-6xl items-center justify-between px-6 py-5">
        <Brand />
        <nav className="flex items-center gap-2">
          {user ? (
            <Button asChild>
              <Link href="/studio">Open Studio</Link>
            </Button>
          ) : (
            <>
              <Button variant="ghost" asChild>
                <Link href="/login">Sign in</Link>
              </Button>
              <Button asChild>
                <Link href="/signup">Get started</Link>
              </Button>
            </>
          )}
        </nav>
      </header>

      <main className="mx-auto flex w-full max-w-6xl flex-1 flex-col gap-20 px-6 pb-24 pt-12 md:pt-20">
        <section className="max-w-3xl">
          <p className="mb-4 inline-flex items-center rounded-full border px-3 py-1 text-xs font-medium text-muted-foreground">
            Self-hosted · PostgreSQL · Next.js
          </p>
          <h1 className="text-4xl font-semibold tracking-tight text-balance md:text-6xl">
            See and cap what every user’s AI calls cost.
          </h1>
          <p className="mt-6 max-w-2xl text-lg text-muted-foreground text-pretty">
            Tollgate sits between your product’s users and the AI providers. It authenticates each call, admits or
            refuses it against the user’s plan, forwards it, and records tokens, images, seconds, latency and cost —
            one immutable row per call.
          </p>
          <div className="mt-8 flex flex-wrap gap-3">
            <Button size="lg" asChild>
              <Link href={user ? '/studio' : '/signup'}>
                {user ? 'Open Studio' : 'Start on the Demo plan'} <ArrowRight className="size-4" aria-hidden />
              </Link>
            </Button>
            {user ? null : (
              <Button size="lg" variant="outline" asChild>
                <Link href="/login">I have an account</Link>
              </Button>
            )}
          </div>
        </section>

        <section aria-label="What Tollgate does" className="grid gap-6 sm:grid-cols-2">
          {FEATURES.map(({ icon: Icon, title, text }) => (
            <div key={title} className="rounded-xl border bg-card p-6">
              <Icon className="mb-4 size-5 text-primary" aria-hidden />
              <h2 className="font-medium">{title}</h2>
              <p className="mt-2 text-sm text-muted-foreground">{text}</p>
            </div>
          ))}
        </section>
      </main>

      <footer className="border-t py-6 text-center text-xs text-muted-foreground">
        Tollgate runs on your own infrastructure. No telemetry leaves your machine.
      </footer>
    </div>
  )
}
