import type { IncomingMessage } from 'node:http'
import type { User } from '../entities'

/** What a route handler gets: the authenticated user, the path parameters, and the request. */
export interface RouteContext {
  readonly user: User
  readonly params: Readonly<Record<string, string>>
  readonly req: IncomingMessage
}

/** A handler's answer: the HTTP status and a JSON body. */
export interface RouteResult {
  readonly status: number
  readonly body?: unknown
}

export type RouteHandler = (context: RouteContext) => Promise<RouteResult>

interface Route {
  readonly method: string
  readonly pattern: RegExp
  readonly names: readonly string[]
  readonly handler: RouteHandler
}

/** A minimal method + path router (`/tickets/:id`), enough for the sample without a framework. */
export class Router {
  private readonly routes: Route[] = []

  on(method: string, path: string, handler: RouteHandler): this {
    const names: string[] = []
    const source = path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
      names.push(name)
      return '([^/]+)'
    })
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler })
    return this
  }

  /** The handler and parameters for a request, or undefined when no route matches. */
  match(method: string, path: string): { handler: RouteHandler; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue
      const found = route.pattern.exec(path)
      if (!found) continue
      const params: Record<string, string> = {}
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1] ?? '')
      })
      return { handler: route.handler, params }
    }
    return undefined
  }
}
