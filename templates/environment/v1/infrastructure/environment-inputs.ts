import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  inputTypeOf,
  loadEnvironmentSpec,
  loadProtonSchema,
  SpecValidationError,
  validateSpec,
} from '@taskboard/template-kit';

/** The validated `spec:` of an environment spec, defaults applied; fields as in v1/schema/schema.yaml. */
export interface EnvironmentInputs {
  readonly environment_name: string;
  readonly vpc_cidr: string;
  readonly nat_gateways: number;
  readonly interface_endpoints: boolean;
  readonly flow_log_retention_days: number;
  readonly service_port: number;
  readonly db_instance_class: string;
  readonly db_engine_version: '17.6' | '18.3';
  readonly db_allocated_storage_gib: number;
  readonly db_max_allocated_storage_gib: number;
  readonly db_backup_retention_days: number;
  readonly db_multi_az: boolean;
  /**
   * Deletion protection of the database (and its final snapshot), the user pool and the load
   * balancer, and the user pool and the load balancer's access logs kept when the stack is deleted.
   * Specs written for schema 1.0/1.1 call it `db_deletion_protection`, still accepted (parseEnvironmentInputs).
   */
  readonly deletion_protection: boolean;
  readonly db_slow_query_ms: number;
  readonly db_secret_rotation_days: number;
  readonly user_pool_mfa: 'optional' | 'required';
  readonly user_pool_self_sign_up: boolean;
  readonly password_min_length: number;
  readonly access_token_validity_minutes: number;
  readonly id_token_validity_minutes: number;
  readonly refresh_token_validity_days: number;
  readonly cors_allowed_origins: readonly string[];
  readonly api_stage_name: string;
  readonly api_throttle_rate_limit: number;
  readonly api_throttle_burst_limit: number;
  readonly waf_enabled: boolean;
  readonly waf_rate_limit: number;
  readonly waf_rate_limit_window_seconds: 60 | 120 | 300 | 600;
  readonly log_retention_days: number;
}

const here = dirname(fileURLToPath(import.meta.url));
export const SCHEMA_DIR = join(here, '..', 'schema');
export const SCHEMA_PATH = join(SCHEMA_DIR, 'schema.yaml');

/**
 * Schema 1.2 renamed `db_deletion_protection` to `deletion_protection`: it also keeps the user pool
 * and the load balancer's logs. A minor version must accept every spec of the one before it
 * (templates/README.md), so the old name stays in the schema as a deprecated alias and means exactly
 * what the new one does.
 */
export const DEPRECATED_DELETION_PROTECTION = 'db_deletion_protection';

/**
 * Validates a `spec:` block against the schema; errors name each wrong or missing field. The
 * deprecated name is read as `deletion_protection`; a spec that gives both is refused.
 */
export function parseEnvironmentInputs(spec: unknown, source = 'spec'): EnvironmentInputs {
  const schema = inputTypeOf(loadProtonSchema(SCHEMA_PATH), 'environment');
  const { db_deletion_protection: aliasValue, ...inputs } = validateSpec<
    EnvironmentInputs & { readonly db_deletion_protection: boolean }
  >(schema, spec, source);
  // Once validated, both names carry the schema default: the spec as written tells which was given.
  const written = spec as Readonly<Record<string, unknown>>;
  const aliasGiven = DEPRECATED_DELETION_PROTECTION in written;
  if (aliasGiven && 'deletion_protection' in written) {
    throw new SpecValidationError(source, [
      `spec.${DEPRECATED_DELETION_PROTECTION}: is the deprecated name of spec.deletion_protection; give only deletion_protection`,
    ]);
  }
  return aliasGiven ? { ...inputs, deletion_protection: aliasValue } : inputs;
}

/** Reads a `proton: EnvironmentSpec` file and validates it. */
export function loadEnvironmentInputs(specPath: string): EnvironmentInputs {
  return parseEnvironmentInputs(loadEnvironmentSpec(specPath).spec, specPath);
}
