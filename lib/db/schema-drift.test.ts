// Fails when prisma/schema.prisma and the migrated database disagree, in either direction,
// and when the generated client is older than the schema file.
import { readFileSync } from 'node:fs'
import { get_dmmf } from '@prisma/prisma-schema-wasm'
import { describe, expect, it } from 'vitest'
import { Prisma } from '@/lib/generated/prisma/client'
import { withClient } from '@/test/databases'

type Field = {
  name: string
  dbName: string | null
  kind: string
  type: string
  isRequired: boolean
  isList: boolean
  nativeType: [string, string[]] | null
}
type Model = { name: string; dbName: string | null; fields: Field[] }
type Column = { table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: 'YES' | 'NO'; numeric_precision: number | null; numeric_scale: number | null }

const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: readFileSync('prisma/schema.prisma', 'utf8') })))
const models: Model[] = dmmf.datamodel.models

// Element types of array columns, as information_schema names them (udt_name).
const ARRAY_ELEMENT: Record<string, string> = {
  _text: 'text',
  _int4: 'integer',
  _int8: 'bigint',
  _uuid: 'uuid',
  _timestamptz: 'timestamp with time zone',
  _jsonb: 'jsonb',
}

/** The PostgreSQL type a Prisma scalar field maps to (what `prisma db pull` would produce). */
function expectedType(field: Field): string {
  if (field.isList) return `${expectedType({ ...field, isList: false })}[]`
  const native = field.nativeType?.[0]
  switch (field.type) {
    case 'String':
      return native === 'Uuid' ? 'uuid' : native === 'Inet' ? 'inet' : 'text'
    case 'Int':
      return 'integer'
    case 'BigInt':
      return 'bigint'
    case 'Boolean':
      return 'boolean'
    case 'Decimal':
      return `numeric(${field.nativeType?.[1].join(',')})`
    case 'DateTime':
      return native === 'Date' ? 'date' : 'timestamp with time zone'
    case 'Json':
      return 'jsonb'
    default:
      return `unsupported prisma type ${field.type}`
  }
}

function actualType(c: Column): string {
  if (c.data_type === 'ARRAY') return `${ARRAY_ELEMENT[c.udt_name] ?? c.udt_name}[]`
  return c.data_type === 'numeric' ? `numeric(${c.numeric_precision},${c.numeric_scale})` : c.data_type
}

async function publicColumns(): Promise<Column[]> {
  return withClient(process.env.DATABASE_URL!, async (client) =>
    (
      await client.query<Column>(
        `select c.table_name, c.column_name, c.data_type, c.udt_name, c.is_nullable, c.numeric_precision, c.numeric_scale
           from information_schema.columns c
           join information_schema.tables t using (table_schema, table_name)
          where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
            -- The months of api_usage are the model ApiUsage (the partitioned parent).
            and not (select relispartition from pg_class where oid = format('public.%I', c.table_name)::regclass)`,
      )
    ).rows,
  )
}

describe('prisma/schema.prisma mirrors the migrated database', () => {
  it('has a column of the same type and nullability for every model field', async () => {
    const columns = new Map((await publicColumns()).map((c) => [`${c.table_name}.${c.column_name}`, c]))
    const problems: string[] = []
    for (const model of models) {
      for (const field of model.fields.filter((f) => f.kind === 'scalar')) {
        const key = `${model.dbName ?? model.name}.${field.dbName ?? field.name}`
        const column = columns.get(key)
        if (!column) {
          problems.push(`${key}: no such column`)
          continue
        }
        if (actualType(column) !== expectedType(field))
          problems.push(`${key}: prisma ${expectedType(field)}, database ${actualType(column)}`)
        if (field.isRequired !== (column.is_nullable === 'NO'))
          problems.push(`${key}: prisma ${field.isRequired ? 'required' : 'optional'}, database ${column.is_nullable === 'NO' ? 'not null' : 'nullable'}`)
      }
    }
    expect(problems).toEqual([])
  })

  it('has a model field for every table column', async () => {
    const mirrored = new Set(
      models.flatMap((m) => m.fields.filter((f) => f.kind === 'scalar').map((f) => `${m.dbName ?? m.name}.${f.dbName ?? f.name}`)),
    )
    const missing = (await publicColumns()).map((c) => `${c.table_name}.${c.column_name}`).filter((k) => !mirrored.has(k))
    expect(missing).toEqual([])
  })

  it('uses a generated client built from the current schema file', () => {
    expect(Object.values(Prisma.ModelName).sort()).toEqual(models.map((m) => m.name).sort())
    for (const model of models) {
      const enumName = `${model.name}ScalarFieldEnum` as keyof typeof Prisma
      const generated = Object.values(Prisma[enumName] as Record<string, string>).sort()
      const declared = model.fields.filter((f) => f.kind === 'scalar').map((f) => f.name).sort()
      expect(generated, `${model.name}: run npm run db:generate`).toEqual(declared)
    }
  })
})
