import { createServer } from 'node:net'

const RESERVED = new Set([5432, 3306])

/** A TCP port free on 127.0.0.1 right now, never 5432 or 3306 (the machine's own PostgreSQL and MariaDB). */
export async function freeLoopbackPort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        const address = server.address()
        const chosen = typeof address === 'object' && address ? address.port : 0
        server.close(() => resolve(chosen))
      })
    })
    if (port !== 0 && !RESERVED.has(port)) return port
  }
}
