import { TenancyConfigurationError } from '../errors'

/**
 * The test kit (`typeorm-tenancy/testing`) was used wrongly or cannot run here. A
 * {@link TenancyConfigurationError}, so `code` is `'TENANCY_CONFIGURATION'`; the message says how to fix it.
 *
 * ```ts
 * await expectIsolated(dataSource, Newsfeed, (repo) => repo.find(), { tenants: [1, 2] })
 * // TestingKitError: expectIsolated(): entity "Newsfeed" is not @TenantScoped, so there is no isolation to check. ...
 * ```
 */
export class TestingKitError extends TenancyConfigurationError {
  static notScoped(entity: string): TestingKitError {
    return new TestingKitError(
      `expectIsolated(): entity "${entity}" is not @TenantScoped, so there is no isolation to check. ` +
        `Pass a tenant-scoped entity, or decorate ${entity} with @TenantScoped('yourTenantColumn').`,
      entity,
    )
  }

  static sameTenants(entity: string, tenant: unknown): TestingKitError {
    return new TestingKitError(
      `expectIsolated() on "${entity}": both tenants are ${JSON.stringify(tenant)}; pass two different tenants, ` +
        `e.g. { tenants: [1, 2] }.`,
      entity,
    )
  }

  static testcontainersMissing(cause: unknown): TestingKitError {
    return new TestingKitError(
      `startPostgresContainer() needs the optional peer dependency "testcontainers" (major 11 loads on Node 20): ` +
        `npm install --save-dev testcontainers@11. (${cause instanceof Error ? cause.message : String(cause)})`,
      undefined,
    )
  }

  static officialImageFailed(image: string, cause: unknown): TestingKitError {
    return new TestingKitError(
      `startPostgresContainer() could not start "${image}" with normal networking: ` +
        `${cause instanceof Error ? cause.message : String(cause)}. On a machine without an image registry or a ` +
        `bridge network, build a local image and set TENANCY_TEST_POSTGRES_LOCAL_IMAGE (see README "Running the tests").`,
      undefined,
    )
  }

  static localImageMissing(image: string): TestingKitError {
    return new TestingKitError(
      `startPostgresContainer(): the local image "${image}" does not exist, and a local image is never pulled. ` +
        `Build it first (in this repository: sudo bash scripts/docker/build-postgres-image.sh ${image}), ` +
        `or unset TENANCY_TEST_POSTGRES_LOCAL_IMAGE to use the official image with normal networking.`,
      undefined,
    )
  }
}
