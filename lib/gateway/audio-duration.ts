// How long an uploaded audio file lasts, read from its own header where the container says it:
// PCM WAV (the bytes present after the data header ÷ (sample rate × frame size), as a decoder
// plays them, whatever the header's byte-rate and data-size fields claim) and FLAC (STREAMINFO's sample count ÷ sample rate) exactly; MP3
// exactly from a Xing/Info or VBRI frame count, else estimated from the first frame's bitrate
// (constant-bitrate files). Bounded work: only the first 64 KiB are read and at most 64 RIFF
// chunks walked, whatever the upload. Anything else (or a header that does not add up): null.

export type Duration = { seconds: number; exact: boolean; format: 'wav' | 'flac' | 'mp3' }

const HEAD_BYTES = 64 * 1024
const MAX_CHUNKS = 64

/** The first bytes a caller needs to pass (the file's head): nothing past them is read. */
export const AUDIO_HEAD_BYTES = HEAD_BYTES

/** The duration of a file of `total` bytes whose first bytes are `bytes` (the whole file, or its first AUDIO_HEAD_BYTES). */
export function audioDuration(bytes: Uint8Array, total = bytes.byteLength): Duration | null {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, HEAD_BYTES))
  if (head.length < 12) return null
  if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WAVE') return wav(head, total)
  if (head.toString('latin1', 0, 4) === 'fLaC') return flac(head)
  return mp3(head, total)
}

function finite(seconds: number, exact: boolean, format: Duration['format']): Duration | null {
  return Number.isFinite(seconds) && seconds >= 0 && seconds < 10 * 24 * 3600 ? { seconds, exact, format } : null
}

// WAVE format tags whose frames are plain samples: PCM, IEEE float, and the extensible wrapper.
const PCM_FORMATS = new Set([1, 3, 0xfffe])

function wav(head: Buffer, total: number): Duration | null {
  let offset = 12
  let frameRate = 0
  for (let i = 0; i < MAX_CHUNKS && offset + 8 <= head.length; i++) {
    const id = head.toString('latin1', offset, offset + 4)
    const size = head.readUInt32LE(offset + 4)
    if (id === 'fmt ' && offset + 24 <= head.length) {
      const tag = head.readUInt16LE(offset + 8)
      // Bytes per second as a decoder plays them: sample rate × block align. The header's own
      // byte-rate field is ignored (a caller could write any number there); a compressed format
      // (ADPCM, GSM…) has no such exact rate and is not measured.
      frameRate = PCM_FORMATS.has(tag) ? head.readUInt32LE(offset + 12) * head.readUInt16LE(offset + 20) : 0
    }
    if (id === 'data') {
      if (!frameRate) return null
      // The bytes present, not the declared size: a decoder that reads to the end plays them all.
      return finite((total - offset - 8) / frameRate, true, 'wav')
    }
    offset += 8 + size + (size % 2)
  }
  return null
}

function flac(head: Buffer): Duration | null {
  // The first metadata block is STREAMINFO (type 0): sample rate 20 bits, then channels, bits per
  // sample, and a 36-bit total sample count (0: unknown).
  if (head.length < 8 + 34 || (head[4] & 0x7f) !== 0) return null
  const info = 8
  const rate = (head[info + 10] << 12) | (head[info + 11] << 4) | (head[info + 12] >> 4)
  const samples = (head[info + 13] & 0x0f) * 2 ** 32 + head.readUInt32BE(info + 14)
  if (!rate || !samples) return null
  return finite(samples / rate, true, 'flac')
}

const MPEG1_BITRATES = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
const MPEG2_BITRATES = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
const SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] }

function mp3(head: Buffer, total: number): Duration | null {
  let offset = 0
  // An ID3v2 tag first: its size is a 28-bit "syncsafe" integer.
  if (head.toString('latin1', 0, 3) === 'ID3' && head.length >= 10) offset = 10 + ((head[6] & 0x7f) << 21) + ((head[7] & 0x7f) << 14) + ((head[8] & 0x7f) << 7) + (head[9] & 0x7f)
  if (offset + 4 > head.length) return null
  const h = head.readUInt32BE(offset)
  if (h >>> 21 !== 0x7ff) return null
  const version = (h >>> 19) & 3 // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  const layer = (h >>> 17) & 3 // 1: Layer III
  const bitrateIndex = (h >>> 12) & 15
  const rateIndex = (h >>> 10) & 3
  if (version === 1 || layer !== 1 || rateIndex === 3 || bitrateIndex === 0 || bitrateIndex === 15) return null
  const sampleRate = SAMPLE_RATES[version][rateIndex]
  const samplesPerFrame = version === 3 ? 1152 : 576
  const mono = ((h >>> 6) & 3) === 3
  // A Xing/Info tag sits after the side information; its frame count gives the exact length.
  const side = version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17
  const xing = offset + 4 + side
  const tag = head.length >= xing + 12 ? head.toString('latin1', xing, xing + 4) : ''
  if ((tag === 'Xing' || tag === 'Info') && head.readUInt32BE(xing + 4) & 1) return finite((head.readUInt32BE(xing + 8) * samplesPerFrame) / sampleRate, true, 'mp3')
  const vbri = offset + 4 + 32
  if (head.length >= vbri + 18 && head.toString('latin1', vbri, vbri + 4) === 'VBRI') return finite((head.readUInt32BE(vbri + 14) * samplesPerFrame) / sampleRate, true, 'mp3')
  const kbps = (version === 3 ? MPEG1_BITRATES : MPEG2_BITRATES)[bitrateIndex]
  return finite(((total - offset) * 8) / (kbps * 1000), false, 'mp3')
}

/** WAV header + PCM samples of `seconds` of silence (16-bit mono): the simulator's speech, test fixtures. */
export function silentWav(seconds: number, sampleRate = 24_000): Buffer {
  const data = Math.round(seconds * sampleRate) * 2
  const out = Buffer.alloc(44 + data)
  out.write('RIFF', 0, 'latin1')
  out.writeUInt32LE(36 + data, 4)
  out.write('WAVEfmt ', 8, 'latin1')
  out.writeUInt32LE(16, 16)
  out.writeUInt16LE(1, 20) // PCM
  out.writeUInt16LE(1, 22) // mono
  out.writeUInt32LE(sampleRate, 24)
  out.writeUInt32LE(sampleRate * 2, 28) // byte rate
  out.writeUInt16LE(2, 32) // block align
  out.writeUInt16LE(16, 34) // bits per sample
  out.write('data', 36, 'latin1')
  out.writeUInt32LE(data, 40)
  return out
}
