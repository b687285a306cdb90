import { describe, expect, it } from 'vitest'
import { audioLength, transcriptionCost, transcriptionHold } from '@/lib/gateway/audio'
import { silentWav } from '@/lib/gateway/audio-duration'
import { findAudioModel } from '@/lib/pricing/audio'

const whisper = findAudioModel('whisper-1')!
const mini = findAudioModel('gpt-4o-mini-transcribe')!
const lengthOf = (bytes: Buffer) => audioLength(bytes, bytes.length)

describe('transcription holds and costs', () => {
  it('holds an exact header length for a WAV, and the 6 kbps worst case for a file it cannot read', () => {
    expect(lengthOf(silentWav(12.5, 8000)).boundSeconds).toBe(13)
    // 750,000 unreadable bytes ÷ 750 B/s = 1,000 s → whisper $0.1
    const unknown = lengthOf(Buffer.alloc(750_000, 7))
    expect(unknown).toEqual({ measured: null, boundSeconds: 1000 })
    expect(transcriptionHold(whisper, unknown, undefined).totalCost).toBe('0.1')
    // Token models: audio at 20 tokens/s, capped by the 16,000-token context, and 2,000 tokens out:
    // 16,000 × $3/M + 2,000 × $5/M = $0.058
    expect(transcriptionHold(mini, unknown, undefined).totalCost).toBe('0.058')
  })

  it('holds the size-based worst case for a FLAC or MP3 whatever length its header claims (a sample or frame count is a field the caller writes)', () => {
    const flac = Buffer.alloc(75_000)
    flac.write('fLaC', 0, 'latin1')
    flac.writeUInt32BE(0x80000022, 4) // the last metadata block: STREAMINFO, 34 bytes
    flac[8 + 10] = (16000 >> 12) & 0xff
    flac[8 + 11] = (16000 >> 4) & 0xff
    flac[8 + 12] = ((16000 & 0x0f) << 4) | 0x02
    flac.writeUInt32BE(16000, 8 + 14) // claims 1 s
    const length = lengthOf(flac)
    expect(length.measured).toMatchObject({ seconds: 1, format: 'flac' })
    // 75,000 bytes ÷ 750 B/s = 100 s held, not the 1 s claimed
    expect(length.boundSeconds).toBe(100)
  })

  it('bills whisper-1 from the seconds reported; else from the header, or estimated at the worst case', () => {
    const wav = lengthOf(silentWav(12.5, 8000))
    const hold = transcriptionHold(whisper, wav, undefined)
    expect(transcriptionCost(whisper, { type: 'duration', seconds: 42, from: 'usage' }, wav, hold, '')).toMatchObject({ audioSeconds: 42, cost: { totalCost: '0.0042', costStatus: 'priced' } })
    expect(transcriptionCost(whisper, null, wav, hold, '')).toMatchObject({ audioSeconds: 13, source: 'wav_header', cost: { totalCost: '0.0013', costStatus: 'priced' } })
    const unknown = lengthOf(Buffer.alloc(75_000, 7))
    expect(transcriptionCost(whisper, null, unknown, transcriptionHold(whisper, unknown, undefined), '')).toMatchObject({ audioSeconds: 100, source: 'worst_case_bound', cost: { totalCost: '0.01', costStatus: 'estimated' } })
  })
})
