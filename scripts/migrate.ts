// `npm run db:migrate`: applies pending supabase/migrations to DATABASE_URL, or to the
// embedded database when it is unset (starting and stopping it around the run).
import { migrate } from '../lib/db/migrate'
import { env } from '../lib/env'
import { log, openAppDatabase } from './database'

const database = await openAppDatabase()
try {
  // (A session connection: the migrations hold a session advisory lock.)
  const applied = await migrate(env.DATABASE_DIRECT_URL ?? database.url, { log })
  log(applied.length ? `${applied.length} migration(s) applied` : 'nothing to apply: the schema is up to date')
} finally {
  await database.stop()
}
