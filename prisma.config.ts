// Prisma CLI configuration. Only `prisma generate` is used: supabase/migrations owns the
// schema and scripts/migrate.ts applies it (Prisma Migrate's engine cannot run offline).
import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: 'prisma/schema.prisma',
})
