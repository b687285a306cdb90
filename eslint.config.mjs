import nextCoreWebVitals from 'eslint-config-next/core-web-vitals'
import nextTypescript from 'eslint-config-next/typescript'
import regexp from 'eslint-plugin-regexp'

const config = [
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    // A regex that backtracks (or moves) super-linearly is a one-request outage when it sees
    // user input: 80 KB of "eyJeyJ…" once held the event loop for 8.6 s. These two rules make
    // that class of pattern a lint error everywhere, so it cannot come back.
    plugins: { regexp },
    rules: {
      'regexp/no-super-linear-backtracking': ['error', { report: 'potential' }],
      'regexp/no-super-linear-move': ['error', { report: 'potential', ignoreSticky: false, ignorePartial: false }],
    },
  },
  {
    ignores: ['.next*/**', '**/.next/**', '.data/**', 'lib/generated/**', 'node_modules/**', 'next-env.d.ts', 'test-results/**', 'playwright-report/**'],
  },
]

export default config
