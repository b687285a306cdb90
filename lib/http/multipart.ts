// Capped multipart/form-data bodies (audio uploads). The body is streamed through readBodyCapped,
// so it is counted as it arrives and refused (413) the moment it passes the cap: nothing past the
// cap is held, and request.formData() (which reads any size whole) is never called on the
// request. Only the capped bytes are then parsed. Files stay in memory as Blobs of at most the
// cap; their bytes are never logged or stored (see describeFile).
import { AppError } from '@/lib/errors'
import { readBodyCapped } from '@/lib/http/body'

/** Room for the form's other fields and its framing, on top of the largest file allowed. */
export const MULTIPART_OVERHEAD_BYTES = 256 * 1024

export type MultipartForm = {
  /** Text fields by name, in order; a field sent several times (`include[]`) has several values. */
  fields: Map<string, string[]>
  /** File fields by name. */
  files: Map<string, File[]>
}

const MIB = 1024 * 1024
/** "25 MB (26,214,400 bytes)": OpenAI says MB for 2^20 bytes; the exact count removes doubt. */
export function describeBytes(bytes: number): string {
  const mb = bytes % MIB === 0 ? `${bytes / MIB} MB` : `${(bytes / MIB).toFixed(1)} MB`
  return `${mb} (${bytes.toLocaleString('en-US')} bytes)`
}

/** Whether the Content-Type is multipart/form-data with a boundary (parameters aside). */
export function isMultipart(header: string | null): boolean {
  const [essence, ...params] = (header ?? '').split(';')
  return essence.trim().toLowerCase() === 'multipart/form-data' && params.some((p) => p.trim().toLowerCase().startsWith('boundary='))
}

/**
 * The form of a multipart request whose files may each be up to `maxFileBytes`. The whole body is
 * capped at maxFileBytes + MULTIPART_OVERHEAD_BYTES while it is read; a file over maxFileBytes
 * inside a body under that cap is refused after parsing. Throws AppError: 415 not multipart,
 * 413 too large (naming the limit), 400 not parseable, 499 client gone.
 */
export async function readMultipart(request: Request, maxFileBytes: number): Promise<MultipartForm> {
  const contentType = request.headers.get('content-type')
  if (!isMultipart(contentType)) throw new AppError('unsupported_media_type', 'Content-Type must be multipart/form-data (with a boundary): upload the audio as a form field named file')
  let body: Buffer
  try {
    body = await readBodyCapped(request, maxFileBytes + MULTIPART_OVERHEAD_BYTES)
  } catch (error) {
    if (error instanceof AppError && error.code === 'payload_too_large') throw tooLarge(maxFileBytes)
    throw error
  }
  let form: FormData
  try {
    // Parsing a buffer already capped: the parser cannot be made to read more than the cap.
    form = await new Response(new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength), { headers: { 'content-type': contentType! } }).formData()
  } catch (error) {
    throw new AppError('invalid_request', `Request body is not valid multipart/form-data: ${(error as Error).message}`)
  }
  const fields = new Map<string, string[]>()
  const files = new Map<string, File[]>()
  let parts = 0
  for (const [name, value] of form.entries()) {
    // A form of audio fields has a dozen parts; a body of half a million tiny ones is an attack
    // on whatever walks them, and is refused at the first part past the cap.
    if (++parts > MAX_PARTS) throw new AppError('invalid_request', `multipart/form-data body has more than ${MAX_PARTS} parts`)
    if (typeof value === 'string') push(fields, name, value)
    else {
      if (value.size > maxFileBytes) throw tooLarge(maxFileBytes)
      push(files, name, value)
    }
  }
  return { fields, files }
}

/** The most parts a form may have (OpenAI's audio forms have about a dozen fields). */
export const MAX_PARTS = 64

/** Appends in place: rebuilding the array per part made a body of repeated names quadratic. */
function push<T>(map: Map<string, T[]>, name: string, value: T): void {
  const list = map.get(name)
  if (list) list.push(value)
  else map.set(name, [value])
}

function tooLarge(maxFileBytes: number): AppError {
  return new AppError('payload_too_large', `Maximum content size limit (${describeBytes(maxFileBytes)}) exceeded: audio files must be at most ${describeBytes(maxFileBytes)}`, { param: 'file' })
}

/** What a usage row keeps of an uploaded file: never its bytes. */
export function describeFile(file: File): { name: string; size: number; type: string } {
  return { name: file.name.slice(0, 200), size: file.size, type: file.type.slice(0, 100) }
}
