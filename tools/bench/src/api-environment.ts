import type { BenchStack } from './stack.ts';

export interface ApiEnvironmentSettings {
  /** The systemd unit's NODE_OPTIONS (production-flags.ts). */
  readonly nodeOptions: string;
  /** @default 10 */
  readonly poolMax?: number;
  /** @default info */
  readonly logLevel?: string;
}

/**
 * The environment every api process of the bench runs with against its stack (`npm run bench`, the
 * start-up comparison, `npm run bench:sampled`): production mode with the unit's V8 settings, on
 * 127.0.0.1:`port`, one worker (CPU and memory are read per process, against a one-process baseline),
 * the rate limit at its maximum (the bench measures throughput, not the per-user budget) and no drain
 * window (no load balancer to drain from: stop at once, and write --cpu-prof profiles on exit).
 * Callers add their exporters.
 */
export function apiEnvironment(
  stack: Pick<BenchStack, 'databaseUrl' | 'issuer' | 'clientId'>,
  port: number,
  settings: ApiEnvironmentSettings,
  inherited: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inherited)) if (value !== undefined) env[name] = value;
  return {
    ...env,
    NODE_ENV: 'production',
    NODE_OPTIONS: settings.nodeOptions,
    DATABASE_URL: stack.databaseUrl,
    DATABASE_POOL_MAX: String(settings.poolMax ?? 10),
    AUTH_ISSUERS: stack.issuer,
    AUTH_CLIENT_IDS: stack.clientId,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: settings.logLevel ?? 'info',
    API_WORKERS: '1',
    RATE_LIMIT_MAX: '1000000',
    DRAIN_WINDOW_MS: '0',
  };
}
