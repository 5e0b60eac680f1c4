import t from 'tap';
import { Taskboard, type Task } from '../src/index.ts';
import { startServer, task, type Handler } from './helpers/server.ts';

/** Serves `total` tasks in pages of `limit`, with opaque cursors, like the API. */
function pages(total: number): Handler {
  return (req, res) => {
    const url = new URL(req.url, 'http://x');
    const limit = Number(url.searchParams.get('limit') ?? 2);
    const start = Number(url.searchParams.get('cursor')?.replace('c', '') ?? 0);
    const items = Array.from({ length: Math.max(0, Math.min(limit, total - start)) }, (_, i) => ({
      ...task,
      id: `t${start + i}`,
    }));
    const next = start + limit < total ? `c${start + limit}` : null;
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `page-${start}` });
    res.end(JSON.stringify({ items, nextCursor: next }));
  };
}

t.test('for await walks every item across pages, keeping the filters', async (t) => {
  const s = await startServer(pages(5));
  t.teardown(s.close);
  const tb = new Taskboard({ baseUrl: s.url, token: 't' });
  const ids: string[] = [];
  for await (const item of tb.tasks.list('p1', { status: 'todo', limit: 2 })) ids.push(item.id);
  t.same(ids, ['t0', 't1', 't2', 't3', 't4']);
  t.same(
    s.requests.map((r) => r.url),
    [
      '/v1/projects/p1/tasks?status=todo&limit=2',
      '/v1/projects/p1/tasks?status=todo&limit=2&cursor=c2',
      '/v1/projects/p1/tasks?status=todo&limit=2&cursor=c4',
    ],
  );
});

t.test('list() is lazy; firstPage() returns one page with its cursor and request id', async (t) => {
  const s = await startServer(pages(3));
  t.teardown(s.close);
  const tb = new Taskboard({ baseUrl: s.url });
  const list = tb.tasks.list('p1', { limit: 2 });
  t.equal(s.requests.length, 0, 'nothing fetched until asked');
  const page = await list.firstPage();
  t.same(
    page.items.map((i: Task) => i.id),
    ['t0', 't1'],
  );
  t.equal(page.nextCursor, 'c2');
  t.equal(page.requestId, 'page-0');
  const next = await tb.tasks.list('p1', { limit: 2, cursor: page.nextCursor ?? undefined }).firstPage();
  t.same(
    next.items.map((i) => i.id),
    ['t2'],
  );
  t.equal(next.nextCursor, null);
});

t.test('pages() yields page objects; starting from a cursor resumes there', async (t) => {
  const s = await startServer(pages(6));
  t.teardown(s.close);
  const tb = new Taskboard({ baseUrl: s.url });
  const seen: (string | null)[] = [];
  for await (const page of tb.projects.list({ limit: 2, cursor: 'c2' }).pages()) seen.push(page.nextCursor);
  t.same(seen, ['c4', null]);
});

t.test('an empty list yields nothing; a cursor that does not advance stops the walk', async (t) => {
  const s = await startServer(
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: [], nextCursor: null }));
    },
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: [{ userId: 'u' }], nextCursor: 'same' }));
    },
  );
  t.teardown(s.close);
  const tb = new Taskboard({ baseUrl: s.url });
  const none = [];
  for await (const p of tb.projects.list()) none.push(p);
  t.same(none, []);
  const members = [];
  for await (const m of tb.projects.members.list('p', { cursor: 'same' })) members.push(m);
  t.equal(members.length, 1);
  t.equal(s.requests.length, 2);
});

t.test('breaking out of for await stops fetching', async (t) => {
  const s = await startServer(pages(10));
  t.teardown(s.close);
  const tb = new Taskboard({ baseUrl: s.url });
  for await (const item of tb.tasks.list('p', { limit: 2 })) {
    if (item.id === 't1') break;
  }
  t.equal(s.requests.length, 1);
});
