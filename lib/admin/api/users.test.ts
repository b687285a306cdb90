import { describe, expect, it } from 'vitest'
import { parseUserRef } from '@/lib/admin/api/users'

describe('parseUserRef', () => {
  it('reads each form of reference one way only', () => {
    expect(parseUserRef('0E2C8A3C-4A4B-4C4D-8E8F-000000000001')).toEqual({ by: 'id', value: '0e2c8a3c-4a4b-4c4d-8e8f-000000000001' })
    expect(parseUserRef('Ada@Example.com')).toEqual({ by: 'email', value: 'ada@example.com' })
    // An external id that looks like an email or an id is still an external id.
    expect(parseUserRef('ext:ada@example.com')).toEqual({ by: 'external_id', value: 'ada@example.com' })
    expect(parseUserRef('ext:0e2c8a3c-4a4b-4c4d-8e8f-000000000001')).toEqual({ by: 'external_id', value: '0e2c8a3c-4a4b-4c4d-8e8f-000000000001' })
    expect(parseUserRef('ext:a/b %c')).toEqual({ by: 'external_id', value: 'a/b %c' })
  })

  it('names no one for anything else', () => {
    for (const ref of ['', 'ada', 'ext:', `ext:${'x'.repeat(256)}`, 'ext:a\u0000b', 'a\nb@example.com', `${'a'.repeat(250)}@b.co`]) expect(parseUserRef(ref), ref).toBeNull()
  })
})
