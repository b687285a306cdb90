import { describe, expect, it } from 'vitest'
import { countCharacters, findAudioModel, priceAudio } from '@/lib/pricing/audio'

const model = (id: string) => findAudioModel(id)!
const costs = (b: ReturnType<typeof priceAudio>) => [b.inputCost, b.outputCost, b.totalCost, b.costStatus]

// Literals from PROVIDERS-TEXT.md §4.7, never the engine's own output.
describe('audio prices', () => {
  it('whisper-1: $0.006 a minute, by the millisecond', () => {
    expect(costs(priceAudio(model('whisper-1'), { audioMs: 60_000 }))).toEqual(['0.006', '0', '0.006', 'priced'])
    expect(priceAudio(model('whisper-1'), { audioMs: 42_000 }).totalCost).toBe('0.0042')
    expect(priceAudio(model('whisper-1'), { audioMs: 12_500 }).totalCost).toBe('0.00125')
    expect(priceAudio(model('whisper-1'), { audioMs: 1 }).totalCost).toBe('0.0000001')
  })

  it('gpt-4o transcribe models: text in, audio in and text out at their own rates', () => {
    // 100 text × 2.50/M + 1,000 audio × 6.00/M = 0.00625; 50 out × 10.00/M = 0.0005
    expect(costs(priceAudio(model('gpt-4o-transcribe'), { textInTokens: 100, audioInTokens: 1000, textOutTokens: 50 }))).toEqual(['0.00625', '0.0005', '0.00675', 'priced'])
    // 100 × 1.25/M + 1,000 × 3.00/M = 0.003125; 50 × 5.00/M = 0.00025
    expect(costs(priceAudio(model('openai/gpt-4o-mini-transcribe'), { textInTokens: 100, audioInTokens: 1000, textOutTokens: 50 }))).toEqual(['0.003125', '0.00025', '0.003375', 'priced'])
  })

  it('tts-1 and tts-1-hd per million characters; gpt-4o-mini-tts per token, audio out at $12/M', () => {
    expect(priceAudio(model('tts-1'), { characters: 20 }).totalCost).toBe('0.0003')
    expect(priceAudio(model('tts-1-hd'), { characters: 20 }).totalCost).toBe('0.0006')
    expect(costs(priceAudio(model('gpt-4o-mini-tts'), { textInTokens: 12, audioOutTokens: 900 }, 'estimated'))).toEqual(['0.0000072', '0.0108', '0.0108072', 'estimated'])
  })

  it('snapshots the rates it used', () => {
    expect(priceAudio(model('gpt-4o-mini-tts'), { textInTokens: 1 }).priceSnapshot).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini-tts', rates: { input_mtok: '0.6', output_audio_mtok: '12' } })
  })

  it('knows OpenAI ids, bare or prefixed, and nothing else', () => {
    expect(findAudioModel('openai/whisper-1')?.id).toBe('whisper-1')
    expect(findAudioModel('whisper-2')).toBeUndefined()
    expect(findAudioModel('anthropic/whisper-1')).toBeUndefined()
  })

  it('counts characters as code points, as OpenAI does (an emoji is one)', () => {
    expect(countCharacters('Hi 👋')).toBe(4)
    expect('Hi 👋'.length).toBe(5)
    expect(countCharacters('e\u0301')).toBe(2)
  })
})
