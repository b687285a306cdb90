// Small string helpers that run in linear time whatever they are given. A regex such as
// /0+$/ or /\/+$/ retries from every position of a long run when the run is not at the end
// (quadratic on input like "000…0x"); these walk the string once.

/** `text` without the trailing run of `char` (one UTF-16 unit). */
export function trimEndOf(text: string, char: string): string {
  let end = text.length
  while (end > 0 && text[end - 1] === char) end--
  return text.slice(0, end)
}

/** A decimal string without trailing fraction zeros (and without a bare trailing point): "0.007500" → "0.0075", "2.000" → "2". */
export function trimDecimalZeros(decimal: string): string {
  if (!decimal.includes('.')) return decimal
  return trimEndOf(trimEndOf(decimal, '0'), '.')
}
