/**
 * The published package works for a consumer: `npm pack`, install the tarball into an empty
 * TypeScript project, compile it under `strict` with the DOM lib only (a browser app: no Node
 * types), then import it at runtime.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';

const root = resolve(import.meta.dirname, '..');
const bin = resolve(root, '../../node_modules/.bin');
const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const consumer = `
import { Taskboard, APIError, NotFoundError, PreconditionFailedError, type Task, type TaskInput } from '@taskboard/sdk';

const tb = new Taskboard({ baseUrl: 'https://api.example.com', token: async () => 'token', maxRetries: 1 });

export async function demo(projectId: string): Promise<string[]> {
  const input: TaskInput = { title: 'Ship', priority: 'urgent', dueDate: '2026-12-01' };
  const created: Task = await tb.tasks.create(projectId, input);
  const { data, etag, requestId } = await tb.tasks.get(created.id).withResponse();
  const updated = await tb.tasks.replace(data.id, { title: data.title, status: 'done' }, { ifMatch: etag });
  const titles: string[] = [updated.title, requestId ?? ''];
  for await (const task of tb.tasks.list(projectId, { status: 'in_progress' })) titles.push(task.title);
  const page = await tb.projects.list({ limit: 10 }).firstPage();
  titles.push(...page.items.map((p) => p.name), page.nextCursor ?? '');
  try {
    await tb.projects.delete(projectId, { ifMatch: '"1"', signal: AbortSignal.timeout(5000) });
  } catch (err) {
    if (err instanceof PreconditionFailedError || err instanceof NotFoundError) titles.push(err.problem?.detail ?? '');
    else if (err instanceof APIError) titles.push(String(err.status), err.requestId ?? '');
  }
  // @ts-expect-error readOnly fields are not part of request types
  await tb.tasks.create(projectId, { title: 'x', id: 'nope' });
  // @ts-expect-error enums are checked
  await tb.tasks.create(projectId, { title: 'x', status: 'blocked' });
  // @ts-expect-error readOnly fields are readonly on responses
  created.version = 2;
  return titles;
}
`;

// A consumer's tests with @taskboard/sdk/testing: typed mocks, and mistakes the types must catch.
const testingConsumer = `
import { HttpResponse } from 'msw';
import type { Task } from '@taskboard/sdk';
import { createMockHandlers, pageFactory, problemResponse, taskFactory, type MockHandlers } from '@taskboard/sdk/testing';

const mock: MockHandlers = createMockHandlers({ baseUrl: 'https://api.test' });
export const handlers = [
  mock.getTask(({ params }) => taskFactory({ id: params.taskId })),
  mock.listTasks(({ params }) => pageFactory(() => taskFactory({ projectId: params.projectId }), 2)),
  mock.createTask(({ body }): Task => taskFactory(body)),
  mock.deleteTask(() => problemResponse(404)),
  mock.getTask(() => HttpResponse.json(taskFactory(), { headers: { etag: '"2"' } })),
  // @ts-expect-error getTask has no projectId parameter
  mock.getTask(({ params }) => taskFactory({ id: params.projectId })),
  // @ts-expect-error getTask answers a Task, not a page
  mock.getTask(() => pageFactory([taskFactory()])),
];
`;

t.test('npm pack → install → tsc --strict → import', (t) => {
  // Build and pack from a staging copy, not the package folder: a parallel `nx build` may be
  // writing dist/ at the same time.
  const stage = mkdtempSync(join(tmpdir(), 'taskboard-sdk-stage-'));
  const dir = mkdtempSync(join(tmpdir(), 'taskboard-sdk-consumer-'));
  t.teardown(() => {
    rmSync(stage, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  run(join(bin, 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', join(stage, 'dist')], root);
  for (const file of ['package.json', 'README.md']) copyFileSync(join(root, file), join(stage, file));
  // --ignore-scripts: dist is built just above; the package's prepack (build + check-pack) needs the
  // sources and scripts the staging copy does not have.
  run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], stage);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  t.ok(tarball, 'npm pack produced a tarball');
  const listing = run('tar', ['-tzf', join(dir, tarball ?? '')], dir)
    .split('\n')
    .filter(Boolean)
    .sort();
  t.ok(listing.includes('package/dist/index.js') && listing.includes('package/dist/index.d.ts'), 'ships dist');
  t.ok(
    listing.includes('package/dist/testing/index.js') && listing.includes('package/dist/testing/index.d.ts'),
    'ships the testing entry',
  );
  t.notOk(
    listing.some((f) => /\/(src|test|scripts)\//.test(f)),
    'ships only dist',
  );

  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // --offline: the tarball has no dependencies, so nothing should be fetched.
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', `./${tarball}`], dir);
  writeFileSync(join(dir, 'index.ts'), consumer);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        types: [],
        noEmit: true,
        skipLibCheck: false,
      },
      files: ['index.ts'],
    }),
  );
  let tscOutput = '';
  try {
    run(join(bin, 'tsc'), ['-p', 'tsconfig.json'], dir);
  } catch (err) {
    tscOutput = String((err as { stdout?: string }).stdout);
  }
  t.equal(tscOutput, '', 'consumer compiles under strict');

  // Joined into one string: console.log colours numbers when FORCE_COLOR is set (as under Nx).
  const probe = `import('@taskboard/sdk').then((m) => console.log([typeof m.Taskboard, typeof m.NotFoundError, Object.keys(m.operations).length].join(' ')))`;
  let out: string;
  try {
    out = run(process.execPath, ['--input-type=module', '-e', probe], dir).trim();
  } catch (err) {
    out = `${String(err)}\n${String((err as { stderr?: string }).stderr)}`;
  }
  t.match(out, /^function function \d+$/, 'the installed package imports at runtime');

  // @taskboard/sdk/testing needs msw (an optional peer): link the workspace's copy, whose own
  // dependencies resolve from its real path, then compile the consumer's mocks and run one.
  symlinkSync(realpathSync(join(root, 'node_modules/msw')), join(dir, 'node_modules/msw'), 'dir');
  writeFileSync(join(dir, 'testing.ts'), testingConsumer);
  writeFileSync(
    join(dir, 'tsconfig.testing.json'),
    JSON.stringify({ extends: './tsconfig.json', files: ['testing.ts'] }),
  );
  let testingTscOutput = '';
  try {
    run(join(bin, 'tsc'), ['-p', 'tsconfig.testing.json'], dir);
  } catch (err) {
    testingTscOutput = String((err as { stdout?: string }).stdout);
  }
  t.equal(testingTscOutput, '', 'typed mocks from @taskboard/sdk/testing compile, and the wrong ones fail');
  const testingProbe = [
    `const { setupServer } = await import('msw/node');`,
    `const { Taskboard } = await import('@taskboard/sdk');`,
    `const { createMockHandlers, taskFactory } = await import('@taskboard/sdk/testing');`,
    `const mock = createMockHandlers({ baseUrl: 'https://api.test' });`,
    `const server = setupServer(mock.getTask(({ params }) => taskFactory({ id: params.taskId, title: 'mocked' })));`,
    `server.listen({ onUnhandledFrame: 'error' });`,
    `const { data, etag } = await new Taskboard({ baseUrl: 'https://api.test' }).tasks.get('t-1').withResponse();`,
    `server.close();`,
    `console.log([data.id, data.title, etag].join(' '));`,
  ].join('\n');
  let testingOut: string;
  try {
    testingOut = run(process.execPath, ['--input-type=module', '-e', testingProbe], dir).trim();
  } catch (err) {
    testingOut = `${String(err)}\n${String((err as { stderr?: string }).stderr)}`;
  }
  t.equal(testingOut, 't-1 mocked "1"', 'the installed testing entry mocks the API for the installed client');
  t.end();
});
