/**
 * The real entry (`node src/server.ts`, as `npm start` and the bundle run it) starts tracing before
 * it builds the app: with OTEL_TRACES_EXPORTER=console a request's traceparent is continued and its
 * log line carries the trace id; a malformed OTEL_* variable is a configuration error (exit 78).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { spawnServer } from '../helpers/server-process.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

t.test('OTEL_TRACES_EXPORTER=console: the request continues the caller trace, in the log and the span', async (t) => {
  const server = await spawnServer(
    t,
    { OTEL_TRACES_EXPORTER: 'console', OTEL_SERVICE_NAME: 'taskboard-process-test', DRAIN_WINDOW_MS: '0' },
    { poolMax: 2 },
  );
  let status = 0;
  for (let i = 0; status !== 200; i++) {
    if (i > 150 || server.child.exitCode !== null) throw new Error(`server did not start:\n${server.output()}`);
    status = await fetch(`${server.base}/health/live`, {
      headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
    }).then(
      (response) => response.status,
      () => 0,
    );
    if (status !== 200) await sleep(100);
  }
  server.child.kill('SIGINT');
  t.equal((await server.exited).code, 0, 'spans flushed and a clean exit');
  const output = server.output();
  t.match(output, new RegExp(`"trace_id":"${TRACE_ID}","span_id":"[0-9a-f]{16}"[^\\n]*"request completed"`));
  t.match(output, new RegExp(`traceId: '${TRACE_ID}'`), 'the console exporter printed the request span');
  t.match(output, /'service.name': 'taskboard-process-test'/);
});

t.test('a malformed OTEL_TRACES_EXPORTER stops start-up as a configuration error', async (t) => {
  const server = await spawnServer(t, { OTEL_TRACES_EXPORTER: 'zipkin' }, { poolMax: 2 });
  t.equal((await server.exited).code, 78);
  t.match(server.output(), /configuration error: OTEL_TRACES_EXPORTER must be otlp, console or none/);
});
