import { ConfigError } from '../config.ts';

/**
 * Tracing configuration from the standard OpenTelemetry environment variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/), validated
 * like the rest of the configuration: a malformed value stops start-up with a message naming it.
 */
export type TracesExporter = 'otlp' | 'console';

/** The names OTEL_TRACES_SAMPLER accepts (the SDK specification's own samplers). */
export const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export type SamplerName = (typeof SAMPLER_NAMES)[number];

export interface TracingConfig {
  readonly exporter: TracesExporter;
  /** OTEL_SERVICE_NAME. @default 'taskboard-api' (the metrics' Service dimension uses the same value) */
  readonly serviceName: string;
  /** OTEL_TRACES_SAMPLER. @default 'parentbased_always_on' (the specification's default) */
  readonly sampler: SamplerName;
  /** OTEL_TRACES_SAMPLER_ARG, for the *traceidratio samplers. @default 1 */
  readonly samplerRatio: number;
  /**
   * Where spans are posted (OTLP/HTTP, protobuf): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or
   * OTEL_EXPORTER_OTLP_ENDPOINT + '/v1/traces'. @default http://localhost:4318/v1/traces
   */
  readonly otlpTracesUrl: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_SERVICE_NAME = 'taskboard-api';

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

function url(name: string, raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return raw;
  } catch {
    // reported below
  }
  throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
}

/** The OTLP/HTTP traces URL: the signal-specific variable is used as is, the base one gets /v1/traces. */
function otlpTracesUrl(env: Env): string {
  const specific = value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (specific !== undefined) return url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', specific);
  const base = value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? 'http://localhost:4318';
  return `${url('OTEL_EXPORTER_OTLP_ENDPOINT', base).replace(/\/+$/, '')}/v1/traces`;
}

/** The tracing configuration, or undefined when OTEL_TRACES_EXPORTER is unset or `none` (the default). */
export function loadTracingConfig(env: Env = process.env): TracingConfig | undefined {
  if (value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const exporter = (value(env, 'OTEL_TRACES_EXPORTER') ?? 'none').toLowerCase();
  if (exporter === 'none') return undefined;
  if (exporter !== 'otlp' && exporter !== 'console') {
    throw new ConfigError(`OTEL_TRACES_EXPORTER must be otlp, console or none, got "${exporter}"`);
  }
  const sampler = (value(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on').toLowerCase();
  if (!(SAMPLER_NAMES as readonly string[]).includes(sampler)) {
    throw new ConfigError(`OTEL_TRACES_SAMPLER must be one of ${SAMPLER_NAMES.join(', ')}, got "${sampler}"`);
  }
  const ratioRaw = value(env, 'OTEL_TRACES_SAMPLER_ARG');
  const samplerRatio = ratioRaw === undefined ? 1 : Number(ratioRaw);
  if (ratioRaw !== undefined && (!/^\d*\.?\d+$/.test(ratioRaw) || samplerRatio > 1)) {
    throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got "${ratioRaw}"`);
  }
  return {
    exporter,
    serviceName: value(env, 'OTEL_SERVICE_NAME') ?? DEFAULT_SERVICE_NAME,
    sampler: sampler as SamplerName,
    samplerRatio,
    otlpTracesUrl: otlpTracesUrl(env),
  };
}
