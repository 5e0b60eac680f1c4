import t from 'tap';
import { ReplaceTasks } from '../src/replace-tasks.ts';

t.test('a task in flight is not handed out twice; its new version comes from the ETag', async (t) => {
  const tasks = new ReplaceTasks(['a', 'b']);
  const first = tasks.take();
  t.equal(first.taskId, 'a');
  t.equal(first.path, '/v1/tasks/a');
  t.same(first.headers, { 'if-match': '"1"' });
  t.match(JSON.parse(first.body), { status: 'in_progress', priority: 'urgent' });
  t.equal(tasks.take().taskId, 'b');
  t.equal(tasks.freeCount, 0);
  tasks.give('a', 200, '"2"');
  t.same(tasks.take().headers, { 'if-match': '"2"' });
  tasks.give('a', 412, '"9"');
  t.same(tasks.take().headers, { 'if-match': '"2"' }, 'only a 200 moves the version');
  tasks.give('a', 200, undefined);
  tasks.give('a', 200, undefined);
  t.equal(tasks.freeCount, 1, 'given back once even if reported twice');
});

t.test('with every task in flight, one is reused (it may 412)', async (t) => {
  const tasks = new ReplaceTasks(['a']);
  tasks.take();
  t.equal(tasks.take().taskId, 'a');
  t.throws(() => new ReplaceTasks([]), /at least one task/);
});

t.test('reset frees every task at the versions read from the database', async (t) => {
  const tasks = new ReplaceTasks(['a', 'b']);
  tasks.take();
  tasks.take(); // both lost in flight, as when autocannon stops
  tasks.reset(
    new Map([
      ['a', 5],
      ['b', 7],
    ]),
  );
  t.equal(tasks.freeCount, 2);
  t.same(tasks.take().headers, { 'if-match': '"5"' });
  t.same(tasks.take().headers, { 'if-match': '"7"' });
  t.same(tasks.ids, ['a', 'b']);
  t.throws(() => tasks.reset(new Map([['a', 1]])), /task b is missing/);
});
