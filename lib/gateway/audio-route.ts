import 'server-only'
// Which model serves an audio call, and who sends it: OpenAI with its key, else the simulator.
// Models are named as OpenAI names them, bare or as `openai/<id>`; a model this gateway does not
// price is one it does not serve: 404 model_not_found, as OpenAI answers an unknown model.
import { AppError } from '@/lib/errors'
import type { GatewayCall, Router } from '@/lib/gateway/pipeline'
import { servedBy, type MediaRoute, type Route } from '@/lib/gateway/routing'
import { AUDIO_MODELS, findAudioModel, type AudioEndpoint, type AudioModel } from '@/lib/pricing/audio'
import { storable } from '@/lib/gateway/sanitize'

export type AudioRoute = MediaRoute & { audio: AudioModel; simulated: boolean }

const servedModels = (endpoint: AudioEndpoint) =>
  AUDIO_MODELS.filter((m) => m.endpoints.includes(endpoint))
    .map((m) => m.id)
    .join(', ')

/** The router GatewayCall.open takes for one audio endpoint. */
export function audioRouter(endpoint: AudioEndpoint): Router {
  return (name: string): Route => {
    const model = findAudioModel(name)
    if (!model) throw new AppError('model_not_found', `The model \`${name}\` does not exist or is not served for /audio/${endpoint}. Models served there: ${servedModels(endpoint)}.`, { param: 'model' })
    if (!model.endpoints.includes(endpoint)) throw new AppError('invalid_request', `${model.id} does not serve /audio/${endpoint}. Models served there: ${servedModels(endpoint)}.`, { param: 'model' })
    const route: AudioRoute = { ...servedBy('openai'), kind: 'media', model: model.id, media: null, audio: model, simulated: false }
    return route
  }
}

/** The route open() returned, as the audio route it is; the row names the model as served. */
export function audioRoute(call: GatewayCall, route: Route): AudioRoute {
  const audio = route as AudioRoute
  call.model = storable(audio.audio.id)
  return { ...audio, simulated: audio.servedBy === 'simulator' }
}
