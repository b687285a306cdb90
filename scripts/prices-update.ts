// `npm run prices:update`: regenerates lib/pricing/data/text-prices.json from the installed
// @pydantic/genai-prices (its bundled data; nothing is fetched) and prints what changed, so a
// person reviews every rate before it ships. Only rates are taken, as decimal strings.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { TextCatalog } from '../lib/pricing/text-catalog-types'
import { buildTextCatalog, serializeCatalog } from './prices-build'
import { diffCatalogs } from './prices-diff'

export const OUTPUT = 'lib/pricing/data/text-prices.json'

const warnings: string[] = []
const catalog = buildTextCatalog(warnings)
const previous: TextCatalog | null = existsSync(OUTPUT) ? JSON.parse(readFileSync(OUTPUT, 'utf8')) : null
writeFileSync(OUTPUT, serializeCatalog(catalog))
const changes = diffCatalogs(previous, catalog)
console.log(`${OUTPUT}: ${catalog.providers.map((p) => `${p.id} ${p.models.length} models`).join(', ')} from ${catalog.source}`)
for (const warning of warnings) console.warn(`warning: ${warning}`)
console.log(changes.length ? `${changes.length} change(s) to review:\n${changes.join('\n')}` : 'no rate changed')
