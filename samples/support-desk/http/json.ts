import type { IncomingMessage, ServerResponse } from 'node:http'
import { HttpError } from './http-error'

const MAX_BODY_BYTES = 64 * 1024

/** Reads a JSON object body (an empty body is `{}`); anything else is a 400. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw HttpError.badRequest(`the body is larger than ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (text === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw HttpError.badRequest('the body is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw HttpError.badRequest('the body must be a JSON object')
  return value as Record<string, unknown>
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = status === 204 ? '' : JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}
