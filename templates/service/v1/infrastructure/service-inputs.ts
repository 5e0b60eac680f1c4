import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  inputTypeOf,
  loadEnvironmentOutputs,
  loadProtonSchema,
  loadServiceSpec,
  resolveEnvironmentReferences,
  validateSpec,
  type EnvironmentOutputs,
} from '@taskboard/template-kit';

export interface StepScalingInterval {
  readonly lower?: number;
  readonly upper?: number;
  readonly change: number;
}

export interface ScheduledAction {
  readonly name: string;
  readonly schedule: string;
  readonly time_zone: string;
  readonly min_capacity?: number;
  readonly max_capacity?: number;
  readonly desired_capacity?: number;
}

/** The validated `spec:` of one service instance, defaults applied; fields as in v1/schema/schema.yaml. */
export interface ServiceInputs {
  readonly ami_id: string;
  readonly instance_type: string;
  readonly root_volume_size_gib: number;
  readonly min_capacity: number;
  readonly desired_capacity?: number;
  readonly max_capacity: number;
  readonly health_check_grace_period_seconds: number;
  readonly default_instance_warmup_seconds: number;
  readonly deregistration_delay_seconds: number;
  readonly health_check_interval_seconds: number;
  readonly cpu_target_utilization_percent: number;
  readonly requests_per_target: number;
  readonly step_scaling_steps: readonly StepScalingInterval[];
  readonly scheduled_actions: readonly ScheduledAction[];
  readonly notification_email: string;
  readonly instance_refresh_min_healthy_percentage: number;
  readonly instance_refresh_max_healthy_percentage: number;
  readonly instance_refresh_checkpoints: readonly number[];
  readonly instance_refresh_checkpoint_delay_seconds: number;
  readonly rollback_5xx_threshold: number;
  /** Schema 1.1: OTEL_TRACES_SAMPLER_ARG of the api. */
  readonly trace_sample_ratio: number;
  /** Schema 1.1: the SLO burn-rate alarms (slo-alarms.ts). */
  readonly slo_alarms_enabled: boolean;
  readonly slo_availability_objective_percent: number;
  readonly slo_latency_threshold_ms: number;
  readonly listener_rule_priority: number;
  readonly log_level: string;
  readonly database_ssl_ca_file: string;
  readonly log_retention_days: number;
  readonly vpc_id: string;
  readonly availability_zones: readonly string[];
  readonly private_subnet_ids: readonly string[];
  readonly instance_security_group_id: string;
  readonly service_port: number;
  readonly alb_listener_arn: string;
  readonly alb_security_group_id: string;
  readonly load_balancer_full_name: string;
  readonly database_secret_arn: string;
  /** The master user's secret, for the migration runner only; '' when the spec predates it. */
  readonly database_migrator_secret_arn: string;
  readonly user_pool_id: string;
  readonly user_pool_client_id: string;
  readonly issuer_url: string;
  readonly cors_allowed_origins: readonly string[];
  readonly api_stage_name: string;
}

/** One service instance of a spec file, ready to synthesize. */
export interface ServiceInstance {
  readonly name: string;
  readonly environment: string;
  readonly inputs: ServiceInputs;
}

const here = dirname(fileURLToPath(import.meta.url));
export const SCHEMA_DIR = join(here, '..', 'schema');
export const SCHEMA_PATH = join(SCHEMA_DIR, 'schema.yaml');

/**
 * Resolves `{{ environment.outputs.X }}` references, then validates against the schema.
 * Errors name each wrong or missing field (`spec.instance_type: must be one of ...`).
 */
export function parseServiceInputs(
  spec: Readonly<Record<string, unknown>>,
  outputs: EnvironmentOutputs,
  source = 'spec',
): ServiceInputs {
  const schema = inputTypeOf(loadProtonSchema(SCHEMA_PATH), 'service');
  return validateSpec<ServiceInputs>(schema, resolveEnvironmentReferences(spec, schema, outputs), source);
}

/** Reads a `proton: ServiceSpec` file and resolves each instance against its environment's outputs. */
export function loadServiceInstances(specPath: string, environmentOutputsPath: string): ServiceInstance[] {
  return loadServiceSpec(specPath).instances.map((instance) => ({
    name: instance.name,
    environment: instance.environment,
    inputs: parseServiceInputs(
      instance.spec,
      loadEnvironmentOutputs(environmentOutputsPath, instance.environment),
      `${specPath} (instance ${instance.name})`,
    ),
  }));
}

/**
 * Rules between fields that the schema cannot express: capacity bounds, step scaling and instance
 * refresh settings that CloudFormation would refuse or that could never take effect, and one subnet
 * per availability zone. Each error names the spec field.
 */
export function validateInputRelations(inputs: ServiceInputs): void {
  if (inputs.min_capacity > inputs.max_capacity) {
    throw new Error(
      `spec.min_capacity (${inputs.min_capacity}) must not exceed spec.max_capacity (${inputs.max_capacity})`,
    );
  }
  const desired = inputs.desired_capacity;
  if (desired !== undefined && (desired < inputs.min_capacity || desired > inputs.max_capacity)) {
    throw new Error(`spec.desired_capacity (${desired}) must be between min_capacity and max_capacity`);
  }
  if (inputs.step_scaling_steps.length === 1) {
    throw new Error('spec.step_scaling_steps: give at least two intervals (or none)');
  }
  const checkpoints = inputs.instance_refresh_checkpoints;
  if (checkpoints.length > 0) {
    const ascending = checkpoints.every((value, index) => index === 0 || value > checkpoints[index - 1]!);
    if (!ascending || checkpoints.at(-1) !== 100) {
      throw new Error('spec.instance_refresh_checkpoints: must be strictly ascending and end with 100');
    }
  }
  if (inputs.instance_refresh_max_healthy_percentage - inputs.instance_refresh_min_healthy_percentage > 100) {
    throw new Error('spec.instance_refresh_max_healthy_percentage: may exceed min_healthy_percentage by at most 100');
  }
  if (inputs.private_subnet_ids.length !== inputs.availability_zones.length) {
    throw new Error('spec.private_subnet_ids: needs one subnet per entry of spec.availability_zones');
  }
}
