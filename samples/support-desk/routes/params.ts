import { HttpError } from '../http/http-error'

/** A positive integer id from the path; anything else cannot name a row, so it is a 404. */
export function idParam(params: Readonly<Record<string, string>>, what: string): number {
  const raw = params['id'] ?? ''
  const id = Number(raw)
  if (!/^[1-9][0-9]{0,9}$/.test(raw) || !Number.isSafeInteger(id)) throw HttpError.notFound(what)
  return id
}
