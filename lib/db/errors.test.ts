import { describe, expect, it } from 'vitest'
import { databaseUnavailable } from '@/lib/db/errors'

// Shapes seen from Prisma 7 on @prisma/adapter-pg and from pg-pool (recorded from real failures).
const prisma = (cause: Record<string, unknown>) => Object.assign(new Error('Raw query failed'), { code: 'P2010', meta: { driverAdapterError: { name: 'DriverAdapterError', cause } } })

describe('databaseUnavailable', () => {
  it('recognises a server that is down, shutting down, or gone mid-query', () => {
    expect(databaseUnavailable(prisma({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 }))).toBe('unreachable')
    expect(databaseUnavailable(prisma({ kind: 'postgres', code: '57P01', originalCode: '57P01' }))).toBe('unreachable')
    expect(databaseUnavailable(prisma({ kind: 'postgres', code: '08006' }))).toBe('unreachable')
    expect(databaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe('unreachable')
    // pg's own socket errors, as they surface from pool.query without Prisma around them
    expect(databaseUnavailable(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read', errno: -104 }))).toBe('unreachable')
    expect(databaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' }))).toBe('unreachable')
    expect(databaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' }))).toBe('unreachable')
  })

  it('calls an exhausted pool or a statement timeout busy', () => {
    expect(databaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe('busy')
    expect(databaseUnavailable(prisma({ kind: 'postgres', code: '57014', originalCode: '57014' }))).toBe('busy')
  })

  it('leaves bugs, bad data and client hang-ups alone', () => {
    expect(databaseUnavailable(prisma({ kind: 'postgres', code: '23505' }))).toBeNull()
    expect(databaseUnavailable(prisma({ kind: 'UniqueConstraintViolation' }))).toBeNull()
    expect(databaseUnavailable(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))).toBeNull()
    expect(databaseUnavailable(new TypeError('x is undefined'))).toBeNull()
    expect(databaseUnavailable('a string')).toBeNull()
  })
})
