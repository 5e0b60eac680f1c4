/**
 * Tracing's own problems reach the service log (src/tracing/tracing-problems.ts): a span export the
 * collector refuses, through the production path (batch span processor, export thread, OTLP/HTTP
 * to a local collector), becomes one `traces not exported` warning; repeats within the interval are
 * counted, not logged; the SDK's `diag` warnings (a full span queue) are logged without the
 * arguments that could carry configuration. Its own file: tracing starts once per process.
 */
import { randomBytes } from 'node:crypto';
import { diag } from '@opentelemetry/api';
import { globalErrorHandler } from '@opentelemetry/core';
import Fastify from 'fastify';
import t from 'tap';
import { startTracing } from '../src/tracing/start-tracing.ts';
import { reportTracingProblems } from '../src/tracing/tracing-problems.ts';
import { captureLog } from './helpers/captured-log.ts';
import { otlpCollector } from './helpers/otlp-collector.ts';
import { buildTestApp } from './helpers/stack.ts';

const warnings = (lines: Record<string, unknown>[], msg: string) =>
  lines.filter((line) => line.level === 40 && line.msg === msg);

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

t.test('a refused export, through the batch processor and the export thread: one warning', async (t) => {
  // 400: not a status OTLP/HTTP retries, so the batch fails at its first POST.
  const { base, received } = await otlpCollector(t, [400, 400]);
  const tracing = await startTracing({
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: base,
    OTEL_TRACES_SAMPLER: 'always_on',
  });
  t.teardown(() => tracing?.shutdown());
  const log = captureLog();
  const app = await buildTestApp(t, { logLevel: 'info' }, { logger: { level: 'info', stream: log.stream } });
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
  // The batch processor exports on its timer (5 s by default), as in production.
  await until(() => warnings(log.lines, 'traces not exported').length > 0, 15_000);
  const [warning] = warnings(log.lines, 'traces not exported');
  t.ok(received.length >= 1, 'the collector was asked');
  t.match(warning, { err: { message: /Bad Request/ } }, 'the exporter’s error, as the collector answered');
  t.notOk('suppressed' in (warning ?? {}), 'the first of its kind');
});

t.test('throttled: the first at once, then one per interval with the count in between', async (t) => {
  const log = captureLog();
  const app = Fastify({ logger: { level: 'info', stream: log.stream } });
  t.teardown(() => app.close());
  let now = 1_000_000;
  const restore = reportTracingProblems(app.log, { intervalMs: 60_000, now: () => now });
  t.teardown(restore);
  // What the SDK's span processors call with a failed export's error.
  globalErrorHandler(new Error('connect ECONNREFUSED 127.0.0.1:4318'));
  now += 5_000;
  globalErrorHandler(new Error('connect ECONNREFUSED 127.0.0.1:4318'));
  globalErrorHandler('Timeout');
  t.equal(warnings(log.lines, 'traces not exported').length, 1, 'repeats within the interval are not logged');
  now += 60_000;
  globalErrorHandler({ code: 'ECONNRESET' });
  const lines = warnings(log.lines, 'traces not exported');
  t.equal(lines.length, 2);
  t.match(lines[1], { suppressed: 2, err: { message: 'ECONNRESET' } }, 'with how many were not logged');
  now += 60_000;
  globalErrorHandler(new Error('again'));
  t.notOk('suppressed' in (warnings(log.lines, 'traces not exported')[2] ?? {}), 'the count starts again');
});

t.test('the SDK’s diag warnings: logged with its message only, its own throttle, below warn ignored', async (t) => {
  const log = captureLog();
  const app = Fastify({ logger: { level: 'info', stream: log.stream } });
  t.teardown(() => app.close());
  const restore = reportTracingProblems(app.log, { now: () => 0 });
  const secret = randomBytes(8).toString('hex');
  diag.warn('Dropped 12 spans because maxQueueSize reached', { headers: { authorization: secret } });
  diag.info('an informational message');
  diag.error('a second problem');
  globalErrorHandler(new Error('export failed'));
  const problems = warnings(log.lines, 'tracing problem');
  t.equal(problems.length, 1, 'one line per interval');
  t.equal(problems[0]?.detail, 'Dropped 12 spans because maxQueueSize reached');
  t.equal(warnings(log.lines, 'traces not exported').length, 1, 'a throttle of its own');
  t.notOk(JSON.stringify(log.lines).includes(secret), 'extra arguments never reach the log');
  t.notOk(JSON.stringify(log.lines).includes('informational'));
  restore();
  diag.warn('after restore');
  t.notOk(JSON.stringify(log.lines).includes('after restore'), 'the defaults are back');
});
