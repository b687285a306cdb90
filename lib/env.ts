// The one reader of process.env. Every variable the app understands is declared, explained
// and validated here at boot; everything else imports `env`.
import { z } from 'zod'
import { trimEndOf } from '@/lib/text'

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    // Set by `next build` while it prerenders; secrets that only requests need are not
    // required then.
    NEXT_PHASE: z.string().optional(),
    /** PostgreSQL connection string. Unset: `npm run dev` / `npm start` run an embedded PostgreSQL. */
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    /**
     * A session connection to the same database, for what a transaction pooler (PgBouncer or
     * Supavisor in transaction mode, as DATABASE_URL) cannot carry: LISTEN (live usage, changed
     * terms) and the migrations' session lock. Unset: DATABASE_URL is used for both (docs/SCALING.md).
     */
    DATABASE_DIRECT_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    /** Connections per app process. */
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    /** How long a request waits for a free pooled connection (or a new one) before it is refused with 503. */
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
    /** Longest a single statement of the app may run (lock waits included) before it is cancelled. */
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    /** How long `npm start`/`npm run dev` give Next.js to finish in-flight calls on SIGTERM before killing it. */
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
    /** Apply pending migrations before serving. */
    MIGRATE_ON_START: bool.default(true),
    /** Node's own options; `npm start` adds a heap cap unless this already sets one. */
    NODE_OPTIONS: z.string().optional(),
    /** Port of the web server. */
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    /** Folder for local state (embedded database, generated dev secret). */
    DATA_DIR: z.string().min(1).default('.data'),
    /** Port of the embedded PostgreSQL; default derived from the checkout path. */
    EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).optional(),
    /** Secret that signs built-in session JWTs (HS256). At least 32 characters. */
    AUTH_SECRET: z.string().min(32, 'AUTH_SECRET must be at least 32 characters').optional(),
    /** Supabase project URL; with the anon key, switches auth to Supabase Auth. */
    NEXT_PUBLIC_SUPABASE_URL: z.url().optional(),
    /** Supabase anon (public) key. */
    NEXT_PUBLIC_SUPABASE_ANON_KEY: z.string().min(1).optional(),
    /** The Supabase project's legacy JWT secret (HS256): lets a user's access token be the gateway bearer. Without it, tokens are checked against the project's JWKS. */
    SUPABASE_JWT_SECRET: z.string().min(32, 'SUPABASE_JWT_SECRET must be at least 32 characters').optional(),

    // AI vendors: a key switches a vendor from the simulator to the real API; the base URL
    // points it at a proxy, a regional endpoint or any compatible server.
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_BASE_URL: z.url().default('https://api.openai.com/v1'),
    // Text providers (lib/providers/text-providers.ts): each is on when its key is set, else the
    // simulator serves its models. Base URLs point a provider at a proxy, a region or a test fake.
    ANTHROPIC_API_KEY: z.string().min(1).optional(),
    ANTHROPIC_BASE_URL: z.url().default('https://api.anthropic.com'),
    GEMINI_API_KEY: z.string().min(1).optional(),
    GEMINI_BASE_URL: z.url().default('https://generativelanguage.googleapis.com'),
    DEEPSEEK_API_KEY: z.string().min(1).optional(),
    DEEPSEEK_BASE_URL: z.url().default('https://api.deepseek.com'),
    MISTRAL_API_KEY: z.string().min(1).optional(),
    MISTRAL_BASE_URL: z.url().default('https://api.mistral.ai/v1'),
    GROQ_API_KEY: z.string().min(1).optional(),
    GROQ_BASE_URL: z.url().default('https://api.groq.com/openai/v1'),
    XAI_API_KEY: z.string().min(1).optional(),
    XAI_BASE_URL: z.url().default('https://api.x.ai/v1'),
    OPENROUTER_API_KEY: z.string().min(1).optional(),
    OPENROUTER_BASE_URL: z.url().default('https://openrouter.ai/api/v1'),
    TOGETHER_API_KEY: z.string().min(1).optional(),
    TOGETHER_BASE_URL: z.url().default('https://api.together.xyz/v1'),
    FIREWORKS_API_KEY: z.string().min(1).optional(),
    FIREWORKS_BASE_URL: z.url().default('https://api.fireworks.ai/inference/v1'),
    /** Local servers need no key: setting the base URL (e.g. http://localhost:11434/v1) switches them on. */
    OLLAMA_BASE_URL: z.url().optional(),
    OLLAMA_API_KEY: z.string().min(1).optional(),
    VLLM_BASE_URL: z.url().optional(),
    /** Only if the vLLM server was started with --api-key. */
    VLLM_API_KEY: z.string().min(1).optional(),
    /**
     * JSON file of operator-added OpenAI-compatible providers and fallback lists (see
     * tollgate.providers.example.json). Read once at boot; a file that does not parse stops the boot.
     */
    TOLLGATE_PROVIDERS_FILE: z.string().min(1).default('tollgate.providers.json'),
    BFL_API_KEY: z.string().min(1).optional(),
    BFL_BASE_URL: z.url().default('https://api.bfl.ai'),
    STABILITY_API_KEY: z.string().min(1).optional(),
    STABILITY_BASE_URL: z.url().default('https://api.stability.ai'),
    IDEOGRAM_API_KEY: z.string().min(1).optional(),
    IDEOGRAM_BASE_URL: z.url().default('https://api.ideogram.ai'),
    RUNWAY_API_KEY: z.string().min(1).optional(),
    RUNWAY_BASE_URL: z.url().default('https://api.dev.runwayml.com'),
    LUMA_API_KEY: z.string().min(1).optional(),
    LUMA_BASE_URL: z.url().default('https://api.lumalabs.ai/dream-machine/v1'),
    /** Shortest time between two status calls to a video vendor for one job (polls in between answer the last known state). */
    VIDEO_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    /**
     * Largest audio file accepted by /api/v1/audio/transcriptions and /translations (OpenAI's own
     * limit is 25 MB = 26,214,400 bytes). The upload is counted as it arrives and refused with 413
     * past it; each upload in flight holds up to about twice this in memory while it is parsed.
     */
    AUDIO_UPLOAD_MAX_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(26_214_400),
    /** How long an upstream may stay silent before the call fails with 504. */
    UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(900_000).default(60_000),
    /** Trust the first hop of X-Forwarded-For (only behind a proxy that sets it). */
    TRUST_PROXY: bool.default(false),
    /** Days a call's personal data (sanitized payloads, IP, user agent) is kept; the ledger row stays. */
    PAYLOAD_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
    /**
     * This deployment's public URL (scheme, host, optional port and path). Stripe's return links
     * point here, never at a request's Host or X-Forwarded-Host. Default http://localhost:PORT.
     */
    APP_URL: z.url({ protocol: /^https?$/, error: 'APP_URL must be an http(s) URL' }).optional(),
    /** Password attempts (sign-in, sign-up, password change) one caller IP may make per minute; the IP is known only with TRUST_PROXY. */
    AUTH_IP_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(30),
    /** Password hashes per second across the whole deployment (every instance): the ceiling that keeps the CPU for calls. */
    AUTH_HASHES_PER_SECOND: z.coerce.number().int().min(1).max(1_000_000).default(30),
    /** Stripe secret key: enables Checkout and the Customer Portal. Unset: the upgrade button explains billing is off. */
    STRIPE_SECRET_KEY: z.string().min(1).optional(),
    /** Signing secret of the webhook endpoint (whsec_…); without it webhooks are refused. */
    STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
    /** Stripe price ids of the paid plans. */
    STRIPE_PRICE_PRO: z.string().min(1).optional(),
    STRIPE_PRICE_BUSINESS: z.string().min(1).optional(),
    /** Another Stripe API base (a proxy, or a local fake in tests), e.g. http://127.0.0.1:12111. */
    STRIPE_API_BASE: z.url().optional(),
    /** Characters of prompt and output kept in a usage row's sanitized payloads. */
    USAGE_PAYLOAD_MAX_CHARS: z.coerce.number().int().min(0).max(100_000).default(2_000),
    /**
     * Settlement in groups: the longest a finished call's row waits for others to be written with
     * it in one transaction (lib/metering/batch.ts); 0 sends each group as soon as the event loop turns.
     */
    SETTLE_WINDOW_MS: z.coerce.number().int().min(0).max(1_000).default(5),
    /**
     * Quota leases (lib/gateway/lease.ts): how long this process may admit a user's calls from a
     * slice of their remaining limits without asking the database; also the longest another
     * instance can be unaware of a revoked key or changed plan. 0 turns leases off.
     */
    QUOTA_LEASE_MS: z.coerce.number().int().min(0).max(10_000).default(2_000),
    /** The most rows settled in one group (one transaction, one round trip). */
    SETTLE_GROUP_MAX: z.coerce.number().int().min(1).max(1_000).default(64),
    /** Bytes of JSON kept of each stored payload (request and response each): a cap on what one call can add to the ledger. */
    USAGE_PAYLOAD_MAX_BYTES: z.coerce.number().int().min(256).max(1_048_576).default(8_192),
    /**
     * The plan new users start on. Each app process writes it to public.app_settings at boot,
     * where the signup trigger reads it, so every way a user is created gets it (Supabase Auth too).
     */
    // A plan id; that it names a plan in public.plans is checked where it is written (a foreign key).
    SIGNUP_PLAN: z.string().regex(/^[a-z][a-z0-9_]{0,49}$/, { error: 'SIGNUP_PLAN must be a plan id (lower case letters, digits, _)' }).default('demo'),
    /**
     * Operators for a first deploy, before anyone has run `npm run tollgate -- operator grant`:
     * comma-separated emails of users who get the operator role while they are listed.
     */
    TOLLGATE_OPERATORS: z
      .string()
      .transform((v) => v.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean))
      .pipe(z.array(z.email({ error: 'TOLLGATE_OPERATORS must be comma-separated email addresses' })))
      .default([]),
    /** Days a `past_due` subscription keeps its plan; then (and for unpaid, incomplete, paused, canceled) Free limits apply. */
    PAST_DUE_GRACE_DAYS: z.coerce.number().int().min(0).max(365).default(7),
  })
  .superRefine((v, ctx) => {
    if (Boolean(v.NEXT_PUBLIC_SUPABASE_URL) !== Boolean(v.NEXT_PUBLIC_SUPABASE_ANON_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['NEXT_PUBLIC_SUPABASE_ANON_KEY'],
        message: 'Set both NEXT_PUBLIC_SUPABASE_URL and NEXT_PUBLIC_SUPABASE_ANON_KEY, or neither',
      })
    }
  })

export type Env = z.infer<typeof schema>

/** Parses an environment; exported so tests can check the rules without touching process.env. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings mean "unset": .env files and CI systems often write VAR= for nothing.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''))
  const result = schema.safeParse(cleaned)
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`)
    throw new Error(`Invalid environment configuration:\n${lines.join('\n')}`)
  }
  return result.data
}

export const env: Env = parseEnv(process.env)

/**
 * A variable named by the operator's providers file (`apiKeyEnv`): keys stay in the environment,
 * never in the file. Only upper-case names, so the file cannot read arbitrary process state.
 */
export function namedSecret(name: string): string | undefined {
  if (!/^[A-Z][A-Z0-9_]{0,100}$/.test(name)) return undefined
  const value = process.env[name]
  return value ? value : undefined
}

/** The public base URL, without a trailing slash (APP_URL, else the local server). */
export const appUrl: string = trimEndOf(env.APP_URL ?? `http://localhost:${env.PORT}`, '/')

export const authBackend: 'supabase' | 'local' =
  env.NEXT_PUBLIC_SUPABASE_URL && env.NEXT_PUBLIC_SUPABASE_ANON_KEY ? 'supabase' : 'local'

/** The database URL, or a clear error when the server was started without one. */
export function requireDatabaseUrl(): string {
  if (!env.DATABASE_URL) {
    throw new Error(
      'DATABASE_URL is not set. Start the app with `npm run dev` or `npm start`, which run an embedded PostgreSQL, or set DATABASE_URL.',
    )
  }
  return env.DATABASE_URL
}

/** The session-signing secret, required the moment a session is signed or verified. */
export function requireAuthSecret(): Uint8Array {
  if (!env.AUTH_SECRET) {
    throw new Error(
      'AUTH_SECRET is not set. `npm run dev` / `npm start` generate one in DATA_DIR; in other setups set it to 32+ random characters.',
    )
  }
  return new TextEncoder().encode(env.AUTH_SECRET)
}
