// The request's completion log line names its operation with the value the metrics use for their
// Operation dimension (src/metrics/operation.ts), so a Logs Insights query over the api log and a
// metric graph talk about the same thing: through the real stack (app.inject, PostgreSQL, tokens from
// the local Cognito), the log as the logger writes it, the metrics as the stdout exporter prints them.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { captureLog, stdoutDuring } from './helpers/captured-log.ts';
import { authHeader, buildTestApp } from './helpers/stack.ts';

t.test('each request line carries the operation, the same value as the Operation dimension', async (t) => {
  const log = captureLog();
  const app = await buildTestApp(
    t,
    {
      metrics: {
        exporter: 'stdout',
        emfEndpoint: new URL('tcp://127.0.0.1:1'),
        flushSeconds: 3_600,
        serviceName: 'taskboard-test',
      },
    },
    { logger: { level: 'info', stream: log.stream } },
  );
  const alice = await authHeader('alice');
  const requests: [method: 'GET' | 'DELETE', url: string, headers: Record<string, string>, operation: string][] = [
    ['GET', '/v1/me', alice, 'getMe'],
    ['GET', '/v1/me', {}, 'getMe'], // refused (401) before the handler: still its route's operation
    ['GET', `/v1/projects/${randomUUID()}`, alice, 'getProject'], // 404 from the handler
    ['GET', '/health/live', {}, 'getLiveness'],
    ['GET', '/nowhere', {}, 'unmatched'], // 404 from the router
    ['DELETE', '/v1/me', alice, 'unmatched'], // 405 from the router
  ];
  const lineOperations: Record<string, unknown> = {};
  for (const [method, url, headers, operation] of requests) {
    const response = await app.inject({ method, url, headers });
    const requestId = response.headers['x-request-id'];
    let line: Record<string, unknown> | undefined;
    for (let waited = 0; waited < 2_000 && !line; waited += 10) {
      line = log.lines.find((entry) => entry.msg === 'request completed' && entry.requestId === requestId);
      if (!line) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    t.equal(line?.operation, operation, `${method} ${url} (${response.statusCode})`);
    lineOperations[String(line?.operation)] = true;
  }

  const metricOperations = (await stdoutDuring(() => app.close())) // the final flush
    .filter((document) => typeof document.Operation === 'string')
    .map((document) => document.Operation as string)
    .sort();
  t.same(
    metricOperations,
    Object.keys(lineOperations).sort(),
    'the log names exactly the operations the metrics count',
  );
});
