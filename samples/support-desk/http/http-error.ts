/** An HTTP failure a handler reports on purpose (bad input, not found, unauthenticated). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message)
  }

  static notFound(what: string): HttpError {
    return new HttpError(404, `${what} not found`, 'NOT_FOUND')
  }

  static badRequest(message: string): HttpError {
    return new HttpError(400, message, 'BAD_REQUEST')
  }

  static unauthorized(): HttpError {
    return new HttpError(401, 'send "Authorization: Bearer <token>" (tokens are printed at start-up)', 'UNAUTHENTICATED')
  }
}
