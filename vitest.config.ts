import path from 'node:path'
import { defineConfig } from 'vitest/config'

const root = path.dirname(new URL(import.meta.url).pathname)
const shared = {
  resolve: {
    alias: {
      '@': root,
      // Next resolves `server-only` to an empty module on the server; Node would get the
      // throwing browser guard. Tests are server code.
      'server-only': path.join(root, 'test/server-only.ts'),
    },
  },
}

export default defineConfig({
  test: {
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['lib/**/*.test.ts', 'scripts/**/*.test.ts'],
          globalSetup: ['test/global-postgres.ts'],
          setupFiles: ['test/setup-database.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/global-postgres.ts', 'test/global-next.ts'],
          setupFiles: ['test/setup-database.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One Next server is shared by the files: run them one after another.
          fileParallelism: false,
        },
      },
    ],
  },
})
