import { executionAsyncId } from 'node:async_hooks'
import type { EventEmitter } from 'node:events'
import type { Namespace } from 'cls-hooked'
import { TenancyConfigurationError } from '../errors'
import type { TenantContext } from './tenant-context'
import type { TenantStore } from './tenant-store'

/** Options of {@link createClsHookedStore}. */
export interface ClsHookedStoreOptions {
  /**
   * The cls-hooked namespace to keep the tenant in.
   * - omitted: a namespace of the plugin's own, named `typeorm-tenancy`;
   * - a string: that namespace, created if it does not exist (share one with your app's own CLS code);
   * - a `Namespace`: used as it is.
   */
  namespace?: string | Namespace
}

/** A {@link TenantStore} on cls-hooked, plus emitter binding. */
export interface ClsHookedTenantStore extends TenantStore {
  readonly namespace: Namespace
  /**
   * Binds a per-request emitter to the current context, so its listeners see the request's tenant even when
   * the emitter is fired from outside the request (a socket, a shared timer). Call it inside the request;
   * outside any context it does nothing.
   */
  bindEmitter(emitter: EventEmitter): void
}

const KEY = 'typeorm-tenancy:context'

interface NamespaceInternals {
  active: Record<string, unknown> | null
  _contexts?: Map<number, Record<string, unknown>>
}

/**
 * A store on `cls-hooked`, for apps that already keep their request state in a cls-hooked namespace.
 *
 * cls-hooked keeps one "active" context per process and trusts async hooks to swap it; on a shared
 * emitter fired outside any request it hands back whichever context ran last. This store never trusts
 * that value alone: outside its own synchronous `run`, it answers only with the context cls-hooked
 * recorded for the async resource that is executing now, and `undefined` otherwise (fail closed).
 *
 * Slower than {@link createAsyncLocalStorageStore} (4 to 11 times on await-heavy code here);
 * prefer the default unless you need cls-hooked interop.
 */
export function createClsHookedStore(options: ClsHookedStoreOptions = {}): ClsHookedTenantStore {
  // Loaded on demand: requiring cls-hooked installs async hooks that slow every await in the process.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cls = require('cls-hooked') as typeof import('cls-hooked')
  const namespace = resolveNamespace(cls, options.namespace)
  const internals = namespace as unknown as NamespaceInternals
  if (!(internals._contexts instanceof Map)) {
    throw TenancyConfigurationError.invalidOption(
      'store',
      'cls-hooked',
      'a cls-hooked version that keeps per-resource contexts (cls-hooked 4.x)',
    )
  }
  const contexts = internals._contexts
  const syncStack: TenantContext[] = []

  const store: ClsHookedTenantStore = {
    name: 'cls-hooked',
    namespace,
    run<R>(context: TenantContext, fn: () => R): R {
      syncStack.push(context)
      try {
        return namespace.runAndReturn(() => {
          namespace.set(KEY, context)
          return fn()
        })
      } finally {
        syncStack.pop()
      }
    },
    exit<R>(fn: () => R): R {
      return namespace.runAndReturn(() => {
        namespace.set(KEY, undefined)
        return fn()
      })
    },
    get(): TenantContext | undefined {
      const active = internals.active
      if (active === null) return undefined
      const value = active[KEY] as TenantContext | undefined
      if (value === undefined) return undefined
      // Inside our own run(), synchronously: the active context is the one we just entered.
      if (syncStack.length > 0 && syncStack[syncStack.length - 1] === value) return value
      // Elsewhere: trust only the context cls-hooked recorded for the resource executing now.
      return contexts.get(executionAsyncId()) === active ? value : undefined
    },
    bindEmitter(emitter: EventEmitter): void {
      // cls-hooked's own bindEmitter only swaps `namespace.active`, which get() rightly refuses to trust
      // outside its own run(); so every emit re-enters the context captured here, through run().
      const context = store.get()
      if (context === undefined) return
      const emit = emitter.emit
      emitter.emit = function (this: EventEmitter, ...args: Parameters<EventEmitter['emit']>) {
        return store.run(context, () => emit.apply(this, args))
      }
    },
  }
  return store
}

function resolveNamespace(cls: typeof import('cls-hooked'), ns: string | Namespace | undefined): Namespace {
  if (ns !== undefined && typeof ns !== 'string') return ns
  const name = ns ?? 'typeorm-tenancy'
  return cls.getNamespace(name) ?? cls.createNamespace(name)
}
