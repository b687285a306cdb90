// Helpers for tests that call Tollgate with the official Anthropic SDK.
import Anthropic from '@anthropic-ai/sdk'

/** The SDK's error for a call expected to fail; anything else (a success, another error) fails the test. */
export async function caught(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  try {
    await promise
  } catch (error) {
    if (error instanceof Anthropic.APIError) return error
    throw error
  }
  throw new Error('expected the call to fail')
}
