import { describe, expect, it } from 'vitest'
import { AppError } from '@/lib/errors'
import { MAX_PARTS, MULTIPART_OVERHEAD_BYTES, readMultipart } from '@/lib/http/multipart'

const CAP = 64 * 1024

/** A request whose body is a form with a file of `size` bytes, streamed in 16 KiB chunks; `pulled()` says how much was read. */
function upload(size: number, options: { declareLength?: boolean; contentType?: string } = {}) {
  const boundary = 'xTollgateBoundary'
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`)
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  const total = head.length + size + tail.length
  const chunk = Buffer.alloc(16 * 1024, 1)
  let sent = 0
  let cancelled = false
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) {
        controller.enqueue(head)
        sent = head.length
        return
      }
      const fileLeft = head.length + size - sent
      if (fileLeft > 0) {
        const piece = chunk.subarray(0, Math.min(chunk.length, fileLeft))
        sent += piece.length
        return controller.enqueue(piece)
      }
      if (sent < total) {
        sent += tail.length
        return controller.enqueue(tail)
      }
      controller.close()
    },
    cancel() {
      cancelled = true
    },
  })
  const headers: Record<string, string> = { 'content-type': options.contentType ?? `multipart/form-data; boundary=${boundary}` }
  if (options.declareLength) headers['content-length'] = String(total)
  const request = new Request('http://x/api/v1/audio/transcriptions', { method: 'POST', body, headers, duplex: 'half' } as RequestInit)
  return { request, pulled: () => sent, cancelled: () => cancelled, total }
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  return error as AppError
}

describe('readMultipart', () => {
  it('parses the fields and the file of a form under the cap', async () => {
    const { request } = upload(1000)
    const form = await readMultipart(request, CAP)
    expect(form.fields.get('model')).toEqual(['whisper-1'])
    const [file] = form.files.get('file')!
    expect({ name: file.name, size: file.size, type: file.type }).toEqual({ name: 'a.wav', size: 1000, type: 'audio/wav' })
  })

  it('refuses a form of more parts than any audio form has (a body of many tiny repeated parts), naming the cap', async () => {
    const boundary = 'b'
    const part = `--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\n\r\n`
    const body = part.repeat(MAX_PARTS + 1) + `--${boundary}--\r\n`
    const request = new Request('http://x/api/v1/audio/transcriptions', { method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } })
    const error = await refusal(readMultipart(request, CAP))
    expect({ status: error.status, message: error.message }).toEqual({ status: 400, message: `multipart/form-data body has more than ${MAX_PARTS} parts` })
    // At the cap, the repeated field is kept whole (the form's own rules then refuse a repeat).
    const atCap = new Request('http://x/', { method: 'POST', body: part.repeat(MAX_PARTS) + `--${boundary}--\r\n`, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } })
    expect((await readMultipart(atCap, CAP)).fields.get('a')).toHaveLength(MAX_PARTS)
  })

  it('refuses a streamed body past the cap with 413 as soon as it passes, not after reading it all', async () => {
    // 100 MiB: past the reader's 64 MiB discard limit too, so the rest is never read.
    const { request, pulled, cancelled, total } = upload(100 * 1024 * 1024)
    const error = await refusal(readMultipart(request, CAP))
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large', param: 'file' })
    expect(error.message).toBe('Maximum content size limit (0.1 MB (65,536 bytes)) exceeded: audio files must be at most 0.1 MB (65,536 bytes)')
    // The rest is read and dropped (so the client can read the 413) only up to 64 MiB, then the
    // upload is cut: never read whole, never held.
    await expect.poll(cancelled, { timeout: 20_000 }).toBe(true)
    expect(pulled()).toBeLessThanOrEqual(64 * 1024 * 1024 + 16 * 1024)
    expect(pulled()).toBeLessThan(total)
  })

  it('refuses a declared Content-Length past the cap before reading the body', async () => {
    const { request, pulled, cancelled } = upload(100 * 1024 * 1024, { declareLength: true })
    expect(await refusal(readMultipart(request, CAP))).toMatchObject({ status: 413 })
    expect(cancelled()).toBe(true)
    // At most what the stream pulled ahead on its own (its first chunks), never the file.
    expect(pulled()).toBeLessThanOrEqual(MULTIPART_OVERHEAD_BYTES)
  })

  it('refuses a file over the limit inside a body under the cap (the cap leaves room for fields)', async () => {
    const { request } = upload(CAP + 1)
    expect(await refusal(readMultipart(request, CAP))).toMatchObject({ status: 413, param: 'file' })
  })

  it('refuses a body that is not multipart (415) or not parseable (400)', async () => {
    expect(await refusal(readMultipart(upload(10, { contentType: 'application/json' }).request, CAP))).toMatchObject({ status: 415 })
    expect(await refusal(readMultipart(upload(10, { contentType: 'multipart/form-data' }).request, CAP))).toMatchObject({ status: 415 })
    const garbled = new Request('http://x/', { method: 'POST', body: 'not a form', headers: { 'content-type': 'multipart/form-data; boundary=zzz' } })
    const error = await refusal(readMultipart(garbled, CAP))
    expect(error).toMatchObject({ status: 400, code: 'invalid_request' })
    expect(error.message).toMatch(/^Request body is not valid multipart\/form-data/)
  })
})
