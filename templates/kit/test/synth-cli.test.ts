import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { specsToSynthesize, synthesizeEach, synthTarget } from '../src/index.ts';

t.test('synthTarget: flags first, then the CDK and AWS variables', async (t) => {
  const env = { CDK_DEFAULT_REGION: 'eu-west-1', AWS_REGION: 'us-east-1', CDK_DEFAULT_ACCOUNT: '111111111111' };
  t.same(synthTarget({}, env), { region: 'eu-west-1', account: '111111111111' });
  t.same(synthTarget({ region: 'eu-central-1', account: '222222222222' }, env), {
    region: 'eu-central-1',
    account: '222222222222',
  });
  t.same(synthTarget({}, { AWS_REGION: 'us-east-1' }), { region: 'us-east-1', account: undefined });
  t.same(synthTarget({}, {}), { region: undefined, account: undefined });
});

t.test('specsToSynthesize: the named specs, else every .yaml of the folder', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kit-specs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const name of ['dev.yaml', 'prod.yaml', 'notes.md']) writeFileSync(join(dir, name), '');
  t.same(specsToSynthesize(['a.yaml'], dir), ['a.yaml']);
  t.same(specsToSynthesize(undefined, dir).sort(), [join(dir, 'dev.yaml'), join(dir, 'prod.yaml')]);
});

t.test('synthesizeEach: prints each stack, goes on after a failing spec, exits 1 when any failed', async (t) => {
  const out: string[] = [];
  const err: string[] = [];
  const log = t.capture(console, 'log');
  const error = t.capture(console, 'error');
  const ok = synthesizeEach(['a.yaml'], () => [{ stackName: 'a', templateFile: 'cdk.out/a.json' }]);
  const bad = synthesizeEach(['b.yaml', 'c.yaml'], (spec) => {
    if (spec === 'b.yaml') throw new Error('spec.x: is required');
    return [{ stackName: 'c', templateFile: 'cdk.out/c.json' }];
  });
  out.push(...log().map((call) => String(call.args[0])));
  err.push(...error().map((call) => String(call.args[0])));
  t.equal(ok, 0);
  t.equal(bad, 1);
  t.same(out, ['a.yaml: a -> cdk.out/a.json', 'c.yaml: c -> cdk.out/c.json']);
  t.same(err, ['b.yaml: spec.x: is required']);
});
