// GET /api/health tells an anonymous caller only "ok" or "degraded": never the driver's error,
// a host, a port or a database name (the details go to the server's log).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminUrl, createMigratedDatabase, withClient } from '@/test/databases'
import { startNextServer, type NextServer } from '@/test/next-server'

let server: NextServer
let database: string

beforeAll(async () => {
  const url = await createMigratedDatabase('health')
  database = new URL(url).pathname.slice(1)
  server = await startNextServer({ DATABASE_URL: url, AUTH_SECRET: 'health-test-secret-at-least-32-characters' })
})
afterAll(() => server?.stop())

describe('GET /api/health', () => {
  it('says ok, and nothing else', async () => {
    const response = await fetch(`${server.url}/api/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('says degraded with 503 when the database is gone, without the error, host, port or name', async () => {
    await withClient(adminUrl(), (c) => c.query(`drop database ${c.escapeIdentifier(database)} with (force)`))
    const response = await fetch(`${server.url}/api/health`)
    expect(response.status).toBe(503)
    const body = await response.text()
    expect(JSON.parse(body)).toEqual({ status: 'degraded' })
    expect(body).not.toMatch(new RegExp(`${database}|127\\.0\\.0\\.1|${new URL(adminUrl()).port}|does not exist|ECONNREFUSED`))
    // The operator still learns why, from the log.
    expect(server.output()).toMatch(/\[health\] database check failed: \S/)
  })
})
