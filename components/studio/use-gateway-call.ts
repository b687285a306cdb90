'use client'

import { useCallback, useEffect, useRef, useState } from 'react'
import { announceUsageChanged, fetchUsageRow, GatewayCallError, toFailure, type CallFailure, type UsageRow } from '@/components/studio/gateway'

export type ReceiptState = { state: 'loading' } | { state: 'ready'; row: UsageRow } | { state: 'missing' } | null

/**
 * One gateway call at a time for a panel: pending flag, failure, and the receipt read back
 * from the usage history once the call has ended. `work` returns the call's request id. A new
 * call (or unmounting) aborts the previous one, so a late answer never overwrites a newer one.
 */
export function useGatewayCall() {
  const [pending, setPending] = useState(false)
  const [failure, setFailure] = useState<CallFailure | null>(null)
  const [receipt, setReceipt] = useState<ReceiptState>(null)
  const current = useRef<AbortController | null>(null)

  useEffect(() => () => current.current?.abort(), [])

  const run = useCallback(async (work: (signal: AbortSignal) => Promise<string | null>) => {
    current.current?.abort()
    const controller = new AbortController()
    current.current = controller
    const { signal } = controller
    setPending(true)
    setFailure(null)
    setReceipt(null)
    let requestId: string | null = null
    try {
      requestId = await work(signal)
    } catch (thrown) {
      if (signal.aborted) return
      setFailure(toFailure(thrown))
      // Refusals and failures leave a usage row too; showing it keeps the receipt honest.
      requestId = thrown instanceof GatewayCallError ? thrown.requestId : null
    } finally {
      if (current.current === controller) setPending(false)
    }
    if (!requestId || signal.aborted) return
    setReceipt({ state: 'loading' })
    const row = await fetchUsageRow(requestId, signal)
    if (signal.aborted) return
    setReceipt(row ? { state: 'ready', row } : { state: 'missing' })
    announceUsageChanged()
  }, [])

  return { pending, failure, receipt, run }
}
