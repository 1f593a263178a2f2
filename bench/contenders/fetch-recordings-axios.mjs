/**
 * fetch-recordings serving axios (its Node adapter: node:http) instead of fetch: the same
 * recorder and fixtures path as fetch-recordings.mjs, the client through the node:http
 * transport (W1, W2 and W3). Side by side with the fetch row it shows what the node:http path costs.
 */
import axios from 'axios'
import { open as openRecorder } from './fetch-recordings.mjs'

export const label = 'fetch-recordings via axios (node:http transport; replay)'
export const phases = ['replay', 'record']
export const workloads = ['w1', 'w2', 'w3']
export const open = openRecorder

/** One request as the worker measures it: the body read chunk by chunk, as axios streams it. */
export async function request(origin, req) {
  const response = await axios.post(origin + req.path, req.body, {
    headers: { 'content-type': 'application/json' },
    responseType: 'stream',
    validateStatus: () => true,
  })
  const chunks = []
  for await (const chunk of response.data) chunks.push(chunk)
  return { status: response.status, chunks }
}
