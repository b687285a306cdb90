'use client'

import { useCallback, useEffect, useRef, useState } from 'react'
import { announceUsageChanged, GatewayCallError, toFailure, type CallFailure, type CallReceipt } from '@/components/studio/gateway'

export type ReceiptState = CallReceipt | null

/**
 * One gateway call at a time for a panel: pending flag, failure, and the receipt built from the
 * answer (the gateway says the cost with it; nothing is polled). `work` gets the call's start
 * time and returns its receipt. A new call (or unmounting) aborts the previous one, so a late
 * answer never overwrites a newer one.
 */
export function useGatewayCall() {
  const [pending, setPending] = useState(false)
  const [failure, setFailure] = useState<CallFailure | null>(null)
  const [receipt, setReceipt] = useState<ReceiptState>(null)
  const current = useRef<AbortController | null>(null)

  useEffect(() => () => current.current?.abort(), [])

  const run = useCallback(async (model: string, work: (signal: AbortSignal, startedAt: number) => Promise<CallReceipt | null>) => {
    current.current?.abort()
    const controller = new AbortController()
    current.current = controller
    const { signal } = controller
    setPending(true)
    setFailure(null)
    setReceipt(null)
    const startedAt = performance.now()
    let result: CallReceipt | null = null
    try {
      result = await work(signal, startedAt)
    } catch (thrown) {
      if (signal.aborted) return
      setFailure(toFailure(thrown))
      // Refusals and failures are metered too (at what they cost, often $0): show their receipt.
      const metered = thrown instanceof GatewayCallError ? thrown.receipt : null
      result = metered ? { ...metered, model, latencyMs: Math.round(performance.now() - startedAt) } : null
    } finally {
      if (current.current === controller) setPending(false)
    }
    if (signal.aborted || !result) return
    setReceipt(result)
    announceUsageChanged()
  }, [])

  return { pending, failure, receipt, run }
}
