import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { StartedTracing } from './tracing-sdk.ts';
import { loadTracingConfig } from './tracing-config.ts';

let started: StartedTracing | undefined;

export interface StartTracingOptions {
  /** Replaces the configured exporter (tests: an InMemorySpanExporter). */
  readonly exporter?: SpanExporter;
}

/**
 * Starts tracing in this process when the environment asks for it (OTEL_TRACES_EXPORTER otlp or
 * console), before the app is built: src/server.ts calls it in each serving process (every cluster
 * worker; the primary serves nothing and never does). Off, the default, this imports nothing.
 * Throws ConfigError on a malformed variable. Once per process: OpenTelemetry's globals are.
 */
export async function startTracing(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: StartTracingOptions = {},
): Promise<StartedTracing | undefined> {
  const config = loadTracingConfig(env);
  if (config === undefined) return undefined;
  if (started !== undefined) throw new Error('tracing is already started in this process');
  const { startTracingSdk } = await import('./tracing-sdk.ts');
  started = await startTracingSdk(config, options);
  return started;
}

/** The tracing this process started, if any: the app registers its request plugin (plugin.ts). */
export function activeTracing(): StartedTracing | undefined {
  return started;
}
