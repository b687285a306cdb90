// Runs once when a Next.js server process starts.
import { env } from '@/lib/env'

export async function register() {
  if (env.NEXT_RUNTIME !== 'nodejs') return
  // Usage rows still being written at shutdown go to a spool file, replayed from here on.
  const { installShutdownSpool } = await import('@/lib/gateway/record')
  installShutdownSpool()
}
