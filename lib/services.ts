// The services Tollgate meters with a per-period quota, declared once. Every list, type, label
// and counter column in the app derives from this table; in SQL, public.service_counters()
// (20241114_resolve_once.sql) holds the same mapping, and lib/services.test.ts checks the two
// agree against the real database. Other services (embeddings, audio, moderation) have no
// columns: their quotas live in jsonb maps (OTHER_SERVICES below).

export type ServiceDeclaration = {
  id: string
  /** Short name: chart legends, filters, plan cards. */
  label: string
  /** Title of the usage card. */
  title: string
  /** What one unit of the quota is, plural and lower case ("images"); the alert message says it. */
  units: string
  /** The quota's name in a refusal (`limit_name`) and in the plan's limits. */
  quotaName: string
  /** user_subscriptions columns: this period's use and its limit (SQL and Prisma spellings). */
  usedColumn: string
  limitColumn: string
  usedField: string
  limitField: string
  /** The api_usage column that counts a call's units; null when a successful call is one unit. */
  unitsColumn: string | null
}

export const SERVICES = [
  {
    id: 'content',
    label: 'Content',
    title: 'Content Generations',
    units: 'content generations',
    quotaName: 'content_generations',
    usedColumn: 'content_generations_used',
    limitColumn: 'content_generations_limit',
    usedField: 'contentGenerationsUsed',
    limitField: 'contentGenerationsLimit',
    unitsColumn: null,
  },
  {
    id: 'image',
    label: 'Images',
    title: 'Images Generated',
    units: 'images',
    quotaName: 'image_generations',
    usedColumn: 'image_generations_used',
    limitColumn: 'image_generations_limit',
    usedField: 'imageGenerationsUsed',
    limitField: 'imageGenerationsLimit',
    unitsColumn: 'images_generated',
  },
  {
    id: 'video',
    label: 'Video',
    title: 'Video Generations',
    units: 'video generations',
    quotaName: 'video_generations',
    usedColumn: 'video_generations_used',
    limitColumn: 'video_generations_limit',
    usedField: 'videoGenerationsUsed',
    limitField: 'videoGenerationsLimit',
    unitsColumn: null,
  },
  {
    id: 'chat',
    label: 'Chat',
    title: 'Chat Messages',
    units: 'chat messages',
    quotaName: 'chat_messages',
    usedColumn: 'chat_messages_used',
    limitColumn: 'chat_messages_limit',
    usedField: 'chatMessagesUsed',
    limitField: 'chatMessagesLimit',
    unitsColumn: null,
  },
] as const satisfies readonly ServiceDeclaration[]

export type Service = (typeof SERVICES)[number]['id']
export type ServiceInfo = (typeof SERVICES)[number]

/** The service ids in their display order, for zod enums and loops. */
export const SERVICE_IDS = SERVICES.map((s) => s.id) as [Service, ...Service[]]

export function isService(value: unknown): value is Service {
  return typeof value === 'string' && (SERVICE_IDS as string[]).includes(value)
}

/** The declaration of one service. */
export function serviceInfo<S extends Service>(id: S): Extract<ServiceInfo, { id: S }> {
  return SERVICES.find((s) => s.id === id) as Extract<ServiceInfo, { id: S }>
}

/** One value per service, built from its declaration. */
export function perService<T>(value: (service: ServiceInfo) => T): Record<Service, T> {
  return Object.fromEntries(SERVICES.map((s) => [s.id, value(s)])) as Record<Service, T>
}

/**
 * Services metered in the ledger without quota columns of their own (issue 16): governed by the
 * cost budget and the rate limits, and by a per-period quota of calls when their plan or an
 * operator gives them one: user_subscriptions.service_limits / service_used (jsonb maps, keyed
 * by id), so a quota needs no schema change. public.service_map_counter() names the quota and
 * its units the same way (lib/services.test.ts checks).
 */
export const OTHER_SERVICES = [
  { id: 'embedding', label: 'Embeddings', title: 'Embedding Requests', quotaName: 'embedding_requests', units: 'embedding requests' },
  { id: 'audio', label: 'Audio', title: 'Audio Requests', quotaName: 'audio_requests', units: 'audio requests' },
  { id: 'moderation', label: 'Moderation', title: 'Moderation Requests', quotaName: 'moderation_requests', units: 'moderation requests' },
] as const

export type OtherService = (typeof OTHER_SERVICES)[number]['id']

/** Every service a gateway call can be booked under: the quota'd four and the others. */
export type ServiceType = Service | OtherService

/** Every service type with its label, in display order (charts, filters). */
export const SERVICE_TYPES: readonly { id: ServiceType; label: string }[] = [...SERVICES.map(({ id, label }) => ({ id, label })), ...OTHER_SERVICES.map(({ id, label }) => ({ id, label }))]

/** The service type ids in display order, for zod enums and loops. */
export const SERVICE_TYPE_IDS = SERVICE_TYPES.map((s) => s.id) as [ServiceType, ...ServiceType[]]

export function isServiceType(value: unknown): value is ServiceType {
  return typeof value === 'string' && (SERVICE_TYPE_IDS as string[]).includes(value)
}

/** Whether a service type has a per-period quota column (the seed's four). */
export function hasQuotaColumns(service: ServiceType): service is Service {
  return isService(service)
}

export function isOtherService(value: unknown): value is OtherService {
  return typeof value === 'string' && OTHER_SERVICES.some((s) => s.id === value)
}

/** The declaration of one service without quota columns. */
export function otherServiceInfo(id: OtherService): (typeof OTHER_SERVICES)[number] {
  return OTHER_SERVICES.find((s) => s.id === id)!
}
