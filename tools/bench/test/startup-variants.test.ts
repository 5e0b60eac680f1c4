import t from 'tap';
import { parseVariant } from '../src/startup-variants.ts';

t.test('a variant is name=entry.js with optional VAR=value assignments', async (t) => {
  t.same(parseVariant('artifact=packages/api/dist/artifact/server.js'), {
    name: 'artifact',
    entry: 'packages/api/dist/artifact/server.js',
    env: {},
  });
  t.same(parseVariant('cached=a/server.js NODE_COMPILE_CACHE=/tmp/cc X=a=b'), {
    name: 'cached',
    entry: 'a/server.js',
    env: { NODE_COMPILE_CACHE: '/tmp/cc', X: 'a=b' },
  });
  t.throws(() => parseVariant('server.js'), /expected name=entry.js/);
  t.throws(() => parseVariant('a=b/server.ts'), /expected name=entry.js/);
  t.throws(() => parseVariant('a=server.js NOVALUE'), /expected VAR=value/);
});
