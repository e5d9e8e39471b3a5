import { TenancyConfigurationError } from '../errors'

/**
 * What the failsafe does when it finds a row of another tenant in a loaded result.
 * - `'strip'`: remove the row, report it, and go on (the default, as in the seed's `FilteredList`).
 * - `'throw'`: report it, then throw `CrossTenantRowError` (for tests and strict deployments).
 */
export type OnLeakPolicy = 'strip' | 'throw'

/**
 * Where the failsafe's warnings go. The shape is pino's (and bunyan's): an object first, then a message,
 * so a pino logger can be passed as is.
 *
 * ```ts
 * installTenancy(dataSource, { logger: pino() })
 * ```
 */
export interface TenancyLogger {
  warn(obj: object, msg: string): void
}

/** The default logger: one `console.warn` line per stripped row. */
export const consoleTenancyLogger: TenancyLogger = Object.freeze({
  warn(obj: object, msg: string): void {
    console.warn(`[typeorm-tenancy] ${msg}`, obj)
  },
})

/** The failsafe options of one DataSource, validated. */
export interface FailsafeSettings {
  readonly enabled: boolean
  readonly onLeak: OnLeakPolicy
  readonly logger: TenancyLogger
}

/** Validates the failsafe's part of `installTenancy()` options. */
export function failsafeSettings(options: { failsafe?: unknown; onLeak?: unknown; logger?: unknown }): FailsafeSettings {
  const { failsafe, onLeak, logger } = options
  if (failsafe !== undefined && typeof failsafe !== 'boolean') throw TenancyConfigurationError.invalidOption('failsafe', failsafe, 'true, false or nothing')
  if (onLeak !== undefined && onLeak !== 'strip' && onLeak !== 'throw') throw TenancyConfigurationError.invalidOption('onLeak', onLeak, "'strip', 'throw' or nothing")
  if (logger !== undefined && (typeof logger !== 'object' || logger === null || typeof (logger as { warn?: unknown }).warn !== 'function')) {
    throw TenancyConfigurationError.invalidOption('logger', logger, 'an object with a warn(obj, msg) method (pino, bunyan, or your own)')
  }
  return Object.freeze({
    enabled: failsafe !== false,
    onLeak: onLeak ?? 'strip',
    logger: (logger as TenancyLogger | undefined) ?? consoleTenancyLogger,
  })
}
