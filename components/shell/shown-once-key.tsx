'use client'

import { useState } from 'react'
import { Check, Copy } from 'lucide-react'
import { Button } from '@/components/ui/button'

/** A newly made secret key, shown this once, with a copy button (user keys, operator keys). */
export function ShownOnceKey({ secret, testId, message = 'Copy your key now. It will not be shown again.' }: { secret: string; testId: string; message?: string }) {
  const [copied, setCopied] = useState(false)
  return (
    <div data-testid={testId} className="grid gap-2 rounded-lg border border-primary/30 bg-primary/5 p-3 text-sm">
      <p className="font-medium">{message}</p>
      <div className="flex items-center gap-2">
        <code className="flex-1 truncate rounded bg-muted px-2 py-1 font-mono text-xs">{secret}</code>
        <Button
          type="button"
          variant="outline"
          size="sm"
          onClick={async () => {
            await navigator.clipboard?.writeText(secret).catch(() => {})
            setCopied(true)
          }}
        >
          {copied ? <Check className="size-4" aria-hidden /> : <Copy className="size-4" aria-hidden />}
          {copied ? 'Copied' : 'Copy'}
        </Button>
      </div>
    </div>
  )
}
