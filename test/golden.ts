// Golden prices for integration tests, written down from ../shared/PRICES.md (vendor list
// prices), never taken from lib/pricing: a test that prices with the code it checks cannot fail.
// In pico-dollars (1e-12 USD) per token, so the arithmetic is exact.

/** gpt-4o: $2.50 per 1M input tokens = 2,500,000 pico$ per token; $10.00 per 1M output = 10,000,000 pico$. */
export function gpt4oPico(inputTokens: number, outputTokens: number): bigint {
  return BigInt(inputTokens) * 2_500_000n + BigInt(outputTokens) * 10_000_000n
}
