// Runs once when a Next.js server process starts.
export async function register() {
  // Next removes the Node-only branch from the edge bundle only when it sees this exact
  // expression, so it is read here directly rather than through lib/env.
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    // The server leaves when its launcher or its output goes away, instead of lingering.
    const { installLifeline } = await import('@/lib/server/lifeline')
    installLifeline()
    // SIGTERM lets calls in flight finish and their rows be written, even under keep-alive load.
    const { installGracefulDrain } = await import('@/lib/server/drain')
    installGracefulDrain()
    // Quota leases this process holds are given back at SIGTERM, before it exits.
    const [{ onShutdown }, { closeLeases }] = await Promise.all([import('@/lib/server/drain'), import('@/lib/gateway/lease')])
    onShutdown(closeLeases)
    // Usage rows still being written at shutdown go to a spool file, replayed from here on.
    const { installShutdownSpool } = await import('@/lib/metering/record')
    installShutdownSpool()
    // The ledger's months (api_usage partitions) are created ahead from here, at start and hourly.
    const { startLedgerMonths } = await import('@/lib/usage/ledger-months')
    startLedgerMonths()
    // Call details past PAYLOAD_RETENTION_DAYS are deleted from here, hourly.
    const { startPersonalDataRetention } = await import('@/lib/usage/retention')
    startPersonalDataRetention()
    // Usage alerts go out to users' webhooks from here, beside the request path.
    const { startAlertDelivery } = await import('@/lib/usage/alert-webhooks')
    startAlertDelivery()
    // SIGNUP_PLAN goes where the signup trigger reads it, before the first request is served.
    const { syncSignupPlan } = await import('@/lib/billing/signup-plan')
    await syncSignupPlan()
  }
}
