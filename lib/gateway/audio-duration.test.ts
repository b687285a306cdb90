import { describe, expect, it } from 'vitest'
import { audioDuration, silentWav } from '@/lib/gateway/audio-duration'

/** An MPEG-1 Layer III frame header (44.1 kHz, stereo) at `kbps`, with a Xing tag of `frames` when given. */
function mp3(kbps: number, bytes: number, frames?: number, id3 = 0): Buffer {
  const index = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320].indexOf(kbps)
  const out = Buffer.alloc(id3 + bytes)
  if (id3) {
    out.write('ID3', 0, 'latin1')
    const size = id3 - 10
    out[6] = (size >> 21) & 0x7f
    out[7] = (size >> 14) & 0x7f
    out[8] = (size >> 7) & 0x7f
    out[9] = size & 0x7f
  }
  out.writeUInt32BE(((0x7ff << 21) | (3 << 19) | (1 << 17) | (1 << 16) | (index << 12)) >>> 0, id3)
  if (frames !== undefined) {
    out.write('Xing', id3 + 4 + 32, 'latin1')
    out.writeUInt32BE(1, id3 + 4 + 32 + 4)
    out.writeUInt32BE(frames, id3 + 4 + 32 + 8)
  }
  return out
}

function flac(sampleRate: number, samples: number): Buffer {
  const out = Buffer.alloc(8 + 34 + 100)
  out.write('fLaC', 0, 'latin1')
  out[4] = 0x80 // last block, type 0 (STREAMINFO)
  const info = 8
  out[info + 10] = (sampleRate >> 12) & 0xff
  out[info + 11] = (sampleRate >> 4) & 0xff
  out[info + 12] = ((sampleRate & 0x0f) << 4) | 0x02
  out[info + 13] = 0xf0 | Math.floor(samples / 2 ** 32)
  out.writeUInt32BE(samples % 2 ** 32, info + 14)
  return out
}

describe('audioDuration', () => {
  it('reads a WAV exactly from its data size and byte rate', () => {
    expect(audioDuration(silentWav(12.5, 8000))).toEqual({ seconds: 12.5, exact: true, format: 'wav' })
    // A streamed WAV that declares no size: the bytes present count.
    const open = silentWav(2, 8000)
    open.writeUInt32LE(0xffffffff, 40)
    expect(audioDuration(open)?.seconds).toBe(2)
  })

  it('measures a WAV by its bytes and its sample rate × frame size, never by the byte-rate or data-size fields a caller writes', () => {
    // 12.5 s of 8 kHz 16-bit mono whose header claims a huge byte rate and a 2-byte data chunk:
    // a decoder still plays 12.5 s, and OpenAI bills them.
    const forged = silentWav(12.5, 8000)
    forged.writeUInt32LE(0xffffffff, 28)
    forged.writeUInt32LE(2, 40)
    expect(audioDuration(forged)).toEqual({ seconds: 12.5, exact: true, format: 'wav' })
    // A compressed WAVE format (IMA ADPCM, tag 0x11) has no exact rate: not measured.
    const adpcm = silentWav(1, 8000)
    adpcm.writeUInt16LE(0x11, 20)
    expect(audioDuration(adpcm)).toBeNull()
  })

  it('reads FLAC from STREAMINFO', () => {
    expect(audioDuration(flac(44_100, 441_000))).toEqual({ seconds: 10, exact: true, format: 'flac' })
  })

  it('reads MP3 exactly from a Xing frame count, past an ID3 tag; estimates an untagged one from its bitrate', () => {
    expect(audioDuration(mp3(128, 4000, 1000, 300))).toEqual({ seconds: (1000 * 1152) / 44_100, exact: true, format: 'mp3' })
    // 160,000 bytes at 128 kbps = 10 s.
    expect(audioDuration(mp3(128, 160_000))).toEqual({ seconds: 10, exact: false, format: 'mp3' })
  })

  it('says nothing for what it cannot read, and reads no further than its head', () => {
    expect(audioDuration(Buffer.from('OggS not parsed here............'))).toBeNull()
    expect(audioDuration(Buffer.alloc(3))).toBeNull()
    // An ID3 tag claiming 256 MB: no frame within the head, so null (not a read past it).
    expect(audioDuration(Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f]), mp3(128, 1000)]))).toBeNull()
    // A WAV whose chunks loop forever (size 0xFFFFFFF0 walks off the head) ends.
    const bad = silentWav(1, 8000)
    bad.write('junk', 12, 'latin1')
    bad.writeUInt32LE(0xfffffff0, 16)
    expect(audioDuration(bad)).toBeNull()
  })
})

describe('audioDuration from a head', () => {
  it('reads a WAV from its first bytes and the file size alone', () => {
    const file = silentWav(30, 8000)
    expect(audioDuration(file.subarray(0, 1024), file.length)).toEqual({ seconds: 30, exact: true, format: 'wav' })
  })
})
