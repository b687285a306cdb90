// `npm run tollgate -- <command>`: what an operator would otherwise do by hand in SQL. Runs the
// commands against DATABASE_URL; without one, against the embedded database, started for the
// occasion (the commands read the environment once at startup, so they run in a child process
// that is handed the database's URL).
import { spawn } from 'node:child_process'
import { env } from '../lib/env'
import { openAppDatabase } from './database'

const database = env.DATABASE_URL ? null : await openAppDatabase()
const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'scripts/tollgate-commands.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, ...(database ? { DATABASE_URL: database.url } : {}) },
})
const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)))
await database?.stop()
process.exit(code)
