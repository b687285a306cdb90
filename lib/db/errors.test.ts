import { describe, expect, it } from 'vitest'
import { databaseUnavailable, isDataError, isUniqueViolation, sqlState, violatesConstraint } from '@/lib/db/errors'

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

// pg's own DatabaseError, as pool.query throws it (fields as pg sets them).
const pg = (code: string, message: string, constraint?: string) => Object.assign(new Error(message), { code, severity: 'ERROR', constraint })

describe('sqlState', () => {
  it('finds PostgreSQL\'s code however it is wrapped', () => {
    expect(sqlState(pg('22P02', 'invalid input syntax for type uuid'))).toBe('22P02')
    expect(sqlState(prisma({ kind: 'postgres', code: '23503', originalCode: '23503' }))).toBe('23503')
    expect(sqlState(new Error('outer', { cause: pg('23514', 'check') }))).toBe('23514')
  })

  it('is null when PostgreSQL said nothing', () => {
    expect(sqlState(prisma({ kind: 'DatabaseNotReachable' }))).toBeNull()
    expect(sqlState(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBeNull()
    expect(sqlState(null)).toBeNull()
  })
})

describe('isUniqueViolation', () => {
  it('recognises 23505 from pg and every form Prisma gives it', () => {
    expect(isUniqueViolation(pg('23505', 'duplicate key value violates unique constraint "campaigns_user_id_name_key"'))).toBe(true)
    expect(isUniqueViolation(Object.assign(new Error('Unique constraint failed'), { code: 'P2002' }))).toBe(true)
    expect(isUniqueViolation(prisma({ kind: 'UniqueConstraintViolation', constraint: { fields: ['name'] } }))).toBe(true)
    expect(isUniqueViolation(prisma({ kind: 'postgres', originalCode: '23505' }))).toBe(true)
  })

  it('is false for other constraints and for outages', () => {
    expect(isUniqueViolation(pg('23503', 'violates foreign key constraint'))).toBe(false)
    expect(isUniqueViolation(prisma({ kind: 'DatabaseNotReachable' }))).toBe(false)
  })
})

describe('isDataError', () => {
  it('is class 22 (a value refused) or 23 (a constraint), and nothing else', () => {
    expect(isDataError(pg('22003', 'integer out of range'))).toBe(true)
    expect(isDataError(pg('22021', 'invalid byte sequence for encoding "UTF8": 0x00'))).toBe(true)
    expect(isDataError(pg('23503', 'insert or update violates foreign key constraint'))).toBe(true)
    expect(isDataError(pg('57014', 'canceling statement due to statement timeout'))).toBe(false)
    expect(isDataError(pg('42883', 'function does not exist'))).toBe(false)
    expect(isDataError(new Error('Connection terminated unexpectedly'))).toBe(false)
  })
})

describe('violatesConstraint', () => {
  it('names the constraint from pg\'s field or the quoted name in the message', () => {
    expect(violatesConstraint(pg('23P01', 'conflicting key value', 'model_prices_no_overlap'), 'model_prices_no_overlap')).toBe(true)
    expect(violatesConstraint(prisma({ kind: 'postgres', originalCode: '23P01', originalMessage: 'conflicting key value violates exclusion constraint "model_prices_no_overlap"' }), 'model_prices_no_overlap')).toBe(true)
  })

  it('is false for another constraint, or a message that merely mentions the name', () => {
    expect(violatesConstraint(pg('23P01', 'conflicting key value', 'other_constraint'), 'model_prices_no_overlap')).toBe(false)
    expect(violatesConstraint(new Error('about "model_prices_no_overlap"'), 'model_prices_no_overlap')).toBe(false)
  })
})
