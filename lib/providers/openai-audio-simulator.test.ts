import { describe, expect, it } from 'vitest'
import { audioDuration, silentWav } from '@/lib/gateway/audio-duration'
import { buildSpeech, buildTranscription, transcriptionUsage } from '@/lib/providers/openai-audio'
import { simulator } from '@/lib/providers/simulator'

const config = { apiKey: '', baseUrl: '' }
const serve = (call: ReturnType<typeof buildSpeech>) => simulator.serve!(call, new AbortController().signal)
const wav = () => new File([new Uint8Array(silentWav(12.5, 8000))], 'a.wav', { type: 'audio/wav' })

describe('the simulator serves audio offline', () => {
  it('transcribes deterministically, with usage as the model reports it', async () => {
    const whisper = await (await serve(buildTranscription('transcriptions', { file: wav(), fields: { model: 'whisper-1' } }, config, true))).json()
    expect(whisper.text).toBe('[Simulated whisper-1] transcript of a.wav, 13 seconds of audio.')
    expect(transcriptionUsage(whisper)).toEqual({ type: 'duration', seconds: 13, from: 'usage' })
    const again = await (await serve(buildTranscription('transcriptions', { file: wav(), fields: { model: 'whisper-1' } }, config, true))).json()
    expect(again).toEqual(whisper)
    const mini = await (await serve(buildTranscription('transcriptions', { file: wav(), fields: { model: 'gpt-4o-mini-transcribe' } }, config, true))).json()
    expect(transcriptionUsage(mini)).toMatchObject({ type: 'tokens', audioTokens: 217, textTokens: 0 })
    const srt = await (await serve(buildTranscription('translations', { file: wav(), fields: { model: 'whisper-1', response_format: 'srt' } }, config, true))).text()
    expect(srt).toBe('1\n00:00:00,000 --> 00:00:13,000\n[Simulated whisper-1] English translation of a.wav, 13 seconds of audio.\n\n')
  })

  it('streams a transcription ending in transcript.text.done with usage', async () => {
    const body = await (await serve(buildTranscription('transcriptions', { file: wav(), fields: { model: 'gpt-4o-transcribe', stream: true } }, config, true))).text()
    const events = body.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.slice('data: '.length)))
    expect(events.at(-1)).toMatchObject({ type: 'transcript.text.done', usage: { type: 'tokens' } })
    expect(events.slice(0, -1).map((e) => e.delta).join('')).toBe(events.at(-1).text)
  })

  it('speaks a valid WAV whose length follows the input, or SSE with usage', async () => {
    const response = await serve(buildSpeech({ model: 'tts-1', input: 'x'.repeat(45), voice: 'alloy', response_format: 'wav' }, config, true))
    expect(response.headers.get('content-type')).toBe('audio/wav')
    // 45 characters at 15 a second: 3 s.
    expect(audioDuration(new Uint8Array(await response.arrayBuffer()))).toEqual({ seconds: 3, exact: true, format: 'wav' })
    const sse = await (await serve(buildSpeech({ model: 'gpt-4o-mini-tts', input: 'x'.repeat(45), voice: 'alloy', stream_format: 'sse' }, config, true))).text()
    expect(sse.trim().split('\n\n').at(-1)).toContain('"speech.audio.done"')
  })
})
