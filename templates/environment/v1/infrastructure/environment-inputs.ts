import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputTypeOf, loadEnvironmentSpec, loadProtonSchema, validateSpec } from '@taskboard/template-kit';

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
  readonly db_deletion_protection: boolean;
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

/** Validates a `spec:` block against the schema; errors name each wrong or missing field. */
export function parseEnvironmentInputs(spec: unknown, source = 'spec'): EnvironmentInputs {
  return validateSpec<EnvironmentInputs>(inputTypeOf(loadProtonSchema(SCHEMA_PATH), 'environment'), spec, source);
}

/** Reads a `proton: EnvironmentSpec` file and validates it. */
export function loadEnvironmentInputs(specPath: string): EnvironmentInputs {
  return parseEnvironmentInputs(loadEnvironmentSpec(specPath).spec, specPath);
}
