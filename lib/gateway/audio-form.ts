// The fields of a transcription or translation upload, as OpenAI takes them, validated with zod.
// Multipart fields are strings: numbers and booleans are parsed here, lists arrive as repeated
// `name[]` fields. What the row keeps is what this schema reads: the fields, and of the file
// only its name, size and type (never its bytes).
import { z } from 'zod'
import { AppError } from '@/lib/errors'
import { describeFile, type MultipartForm } from '@/lib/http/multipart'
import { findAudioModel, type AudioEndpoint } from '@/lib/pricing/audio'

/** OpenAI's accepted formats, by file extension (it reads the format from the name). */
export const AUDIO_EXTENSIONS = ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm'] as const

const LIST_FIELDS = ['timestamp_granularities', 'include', 'known_speaker_names', 'known_speaker_references'] as const

/**
 * The form as one object: each text field by name (a list field, sent as `name[]`, as an array),
 * and `file` as its description. A text field sent twice, or a second file, is refused.
 */
export function formObject(form: MultipartForm): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [rawName, values] of form.fields) {
    const name = rawName.endsWith('[]') ? rawName.slice(0, -2) : rawName
    if ((LIST_FIELDS as readonly string[]).includes(name)) out[name] = [...((out[name] as string[] | undefined) ?? []), ...values]
    else if (values.length > 1 || name in out) throw new AppError('invalid_request', `${name}: must be sent once`, { param: name })
    else out[name] = values[0]
  }
  for (const [name, files] of form.files) {
    if (name !== 'file') throw new AppError('invalid_request', `${name}: only the field \`file\` may carry a file`, { param: name })
    if (files.length > 1) throw new AppError('invalid_request', 'file: send one file per request', { param: 'file' })
    out.file = describeFile(files[0])
  }
  return out
}

const extensionOf = (name: string) => {
  const dot = name.lastIndexOf('.')
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase()
}

const FileSchema = z.object(
  {
    name: z.string().refine((n) => (AUDIO_EXTENSIONS as readonly string[]).includes(extensionOf(n)), {
      error: `Invalid file format. Supported formats: ${AUDIO_EXTENSIONS.join(', ')} (read from the file name's extension)`,
    }),
    size: z.number().int().positive({ error: 'the file is empty' }),
    type: z.string(),
  },
  { error: 'is required (the audio, as a multipart file field)' },
)

const number = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d{1,10}(\.\d{1,10})?$/, { error: `must be a number between ${min} and ${max}` })
    .transform(Number)
    .pipe(z.number().min(min, { error: `must be between ${min} and ${max}` }).max(max, { error: `must be between ${min} and ${max}` }))
const flag = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true')

function schemaFor(endpoint: Exclude<AudioEndpoint, 'speech'>) {
  const shape = {
    model: z.string({ error: 'is required' }).min(1, { error: 'is required' }).max(256, { error: 'must be at most 256 characters' }),
    file: FileSchema,
    // Whisper reads ~224 tokens of prompt; the gpt-4o models more. Bounded for the hold.
    prompt: z.string().max(8_192, { error: 'must be at most 8,192 characters' }).optional(),
    response_format: z.enum(['json', 'text', 'srt', 'verbose_json', 'vtt'], { error: 'must be one of json, text, srt, verbose_json, vtt' }).default('json'),
    temperature: number(0, 1).optional(),
    campaign: z.string().optional(),
    ...(endpoint === 'transcriptions'
      ? {
          language: z.string().regex(/^[a-zA-Z]{2}$/, { error: 'must be an ISO-639-1 code (two letters, e.g. en)' }).optional(),
          timestamp_granularities: z.array(z.enum(['word', 'segment'], { error: 'must be word or segment' })).max(2).optional(),
          include: z.array(z.enum(['logprobs'], { error: 'must be logprobs' })).max(1).optional(),
          stream: flag.optional(),
          chunking_strategy: z.string().max(1_000).optional(),
        }
      : {}),
  }
  const known = new Set(Object.keys(shape))
  return z
    .object(shape)
    .passthrough()
    .superRefine((body, ctx) => {
      for (const key of Object.keys(body))
        if (!known.has(key)) ctx.addIssue({ code: 'custom', path: [key], message: `is not a field of /audio/${endpoint}${key === 'known_speaker_names' || key === 'known_speaker_references' ? ' (diarization is not served)' : ''}` })
      const model = findAudioModel(body.model)
      if (!model) return // the router answers 404 model_not_found
      const b = body as typeof body & { timestamp_granularities?: string[]; include?: string[]; stream?: boolean }
      if (model.formats && !model.formats.includes(body.response_format))
        ctx.addIssue({ code: 'custom', path: ['response_format'], message: `${model.id} answers only in ${model.formats.join(', ')}` })
      if (b.timestamp_granularities?.length && body.response_format !== 'verbose_json')
        ctx.addIssue({ code: 'custom', path: ['timestamp_granularities'], message: 'needs response_format verbose_json' })
      if (b.include?.length && !model.streams) ctx.addIssue({ code: 'custom', path: ['include'], message: `logprobs are not available for ${model.id}` })
    })
}

export const TranscriptionSchema = schemaFor('transcriptions')
export const TranslationSchema = schemaFor('translations')
export type AudioFields = z.infer<typeof TranscriptionSchema> & { language?: string; timestamp_granularities?: string[]; include?: string[]; stream?: boolean; chunking_strategy?: string }
