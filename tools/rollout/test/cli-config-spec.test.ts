import { mkdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseConfig, loadConfig } from '../src/config.ts';
import { runCli, USAGE, type CliDependencies } from '../src/run-cli.ts';
import { setAmiId } from '../src/spec-file.ts';
import { describeRequest, isThrottling } from '../src/aws-gateway.ts';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { createHarness, FakeClock, FakeRunner, SERVICE_TEMPLATE } from './helpers/harness.ts';
import { givenServiceGroup, givenRefreshes, refresh } from './helpers/scenario.ts';

const CONFIG = join(import.meta.dirname, '..', 'rollout.config.json');

t.test('setAmiId rewrites only the named instance, keeping comments and quotes', async (t) => {
  const prod = readFileSync(join(SERVICE_TEMPLATE, 'specs', 'prod.yaml'), 'utf8');
  const updated = setAmiId(prod, 'taskboard-api-prod', 'ami-0aaaabbbbccccdddd');
  const changed = updated.split('\n').filter((line, index) => line !== prod.split('\n')[index]);
  t.same(changed, ['      ami_id: ami-0aaaabbbbccccdddd']);
  const two = [
    'instances:',
    '  - name: a',
    '    spec:',
    "      ami_id: 'ami-11111111' # pinned",
    '  - name: b',
    '    spec:',
    '      ami_id: ami-22222222',
  ].join('\n');
  t.equal(setAmiId(two, 'b', 'ami-33333333').split('\n')[6], '      ami_id: ami-33333333');
  t.equal(setAmiId(two, 'a', 'ami-33333333').split('\n')[3], "      ami_id: 'ami-33333333' # pinned");
  t.throws(() => setAmiId(two, 'c', 'ami-33333333'), { message: 'instance c is not in the spec' });
  t.throws(
    () =>
      setAmiId(
        'instances:\n  - name: a\n    spec: {}\n  - name: b\n    spec:\n      ami_id: ami-22222222',
        'a',
        'ami-3',
      ),
    {
      message: 'instance a has no ami_id line in the spec',
    },
  );
});

t.test('the shipped config points at the service template and its specs', async (t) => {
  const config = loadConfig(CONFIG);
  t.equal(config.serviceTemplateDir, SERVICE_TEMPLATE);
  for (const target of Object.values(config.environments)) {
    const spec = readFileSync(join(config.serviceTemplateDir, target.specFile), 'utf8');
    t.match(spec, `name: ${target.instance}`);
  }
  t.equal(config.migrations, true);
  t.equal(config.artifactDir, join(SERVICE_TEMPLATE, '..', '..', 'packages', 'api', 'dist', 'artifact'));
});

t.test('config errors name the field', async (t) => {
  const base = JSON.parse(readFileSync(CONFIG, 'utf8')) as Record<string, unknown>;
  t.throws(() => parseConfig(null, 'c.json'), { message: 'c.json: expected a JSON object' });
  t.throws(() => parseConfig({ ...base, region: '' }, 'c.json'), { message: 'c.json: region must be a string' });
  t.throws(() => parseConfig({ ...base, timeoutMinutes: 0 }, 'c.json'), {
    message: 'c.json: timeoutMinutes must be > 0',
  });
  t.throws(() => parseConfig({ ...base, cdkCommand: [] }, 'c.json'), { message: /cdkCommand/ });
  t.throws(() => parseConfig({ ...base, environments: null }, 'c.json'), { message: /environments must be an object/ });
  t.throws(() => parseConfig({ ...base, environments: { dev: {} } }, 'c.json'), { message: /environments.dev needs/ });
  t.throws(() => parseConfig({ ...base, artifactParameter: 1 }, 'c.json'), {
    message: 'c.json: artifactParameter must be a string',
  });
  t.throws(() => loadConfig('/nonexistent.json'), { message: /cannot read/ });
  t.equal(parseConfig({ ...base, migrations: false }, 'c.json').migrations, false);
});

t.test('throttling errors are recognised by name; requests print as service:Operation input', async (t) => {
  t.ok(isThrottling(Object.assign(new Error('x'), { name: 'RequestLimitExceeded' })));
  t.notOk(isThrottling(new Error('x')));
  t.notOk(isThrottling(null));
  t.equal(describeRequest('ssm', new GetParameterCommand({ Name: 'p' })), 'ssm:GetParameter {"Name":"p"}');
});

t.test('throttling that does not stop is an error after the last attempt', async (t) => {
  const h = createHarness();
  h.autoScaling.onAnyCommand().rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
  const { status } = await import('../src/commands.ts');
  await t.rejects(status(h.context, 'dev'), { message: 'Rate exceeded' });
  t.same(h.clock.sleeps, [1000, 2000, 4000, 8000, 16000]);
});

t.test('CLI: usage errors exit 2; subcommands run with the configured clients and flags', async (t) => {
  const h = createHarness();
  const dir = mkdtempSync(join(tmpdir(), 'rollout-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const configPath = join(dir, 'rollout.config.json');
  const shipped = JSON.parse(readFileSync(CONFIG, 'utf8')) as Record<string, unknown>;
  writeFileSync(
    configPath,
    JSON.stringify({ ...shipped, serviceTemplateDir: h.templateDir, environments: h.config.environments }),
  );
  const errors: string[] = [];
  const regions: string[] = [];
  const runner = new FakeRunner();
  const deps: CliDependencies = {
    defaultConfigPath: configPath,
    env: { AWS_REGION: 'eu-central-1' },
    clock: new FakeClock(),
    runner,
    log: (line) => h.lines.push(line),
    error: (line) => errors.push(line),
    createClients: (region) => {
      regions.push(region);
      return h.clients;
    },
  };
  t.equal(await runCli([], deps), 2);
  t.equal(errors.at(-1), USAGE);
  t.equal(await runCli(['status'], deps), 2);
  t.equal(await runCli(['--bogus'], deps), 2);
  t.equal(await runCli(['deploy', '--env', 'dev'], deps), 2);
  t.match(errors.at(-1), 'deploy needs --ami and --environment-outputs');
  t.equal(await runCli(['status', '--env', 'dev', '--config', '/nonexistent.json'], deps), 1);
  t.match(errors.at(-1), 'taskboard-rollout: /nonexistent.json: cannot read');

  givenServiceGroup(h);
  givenRefreshes(h, [], [refresh(h, { Status: 'Successful', PercentageComplete: 100 })]);
  t.equal(await runCli(['status', '--env', 'dev'], deps), 0);
  t.equal(regions.at(-1), 'eu-central-1', 'AWS_REGION overrides the config');
  h.autoScaling.reset(); // sinon's once-answers count calls from the start
  givenServiceGroup(h);
  givenRefreshes(h, [], [refresh(h, { Status: 'Successful', PercentageComplete: 100 })]);
  const code = await runCli(
    [
      'deploy',
      '--env',
      'dev',
      '--ami',
      'ami-0aaaabbbbccccdddd',
      '--environment-outputs',
      'o.json',
      '--skip-migrations',
      '--poll-seconds',
      '2',
      '--timeout-minutes',
      '5',
      '--region',
      'us-east-1',
    ],
    deps,
  );
  t.equal(code, 0);
  t.equal(regions.at(-1), 'us-east-1');
  t.same(runner.runs.at(-1), {
    command: 'npx',
    args: [
      '--yes',
      'aws-cdk@2.1148.1',
      'deploy',
      '--app',
      'cdk.out/taskboard-api-dev',
      '--require-approval',
      'never',
      '--progress',
      'events',
    ],
    cwd: h.templateDir,
  });
  h.autoScaling.reset();
  givenServiceGroup(h);
  givenRefreshes(h, [refresh(h, { Status: 'Successful' })]);
  t.equal(await runCli(['rollback', '--env', 'dev'], deps), 1, 'nothing in progress and no --to');

  t.equal(await runCli(['bake'], deps), 2);
  t.match(errors.at(-1), 'bake needs --bucket and --pipeline-arn');
  const bakeDeps: CliDependencies = {
    ...deps,
    env: { TASKBOARD_ARTIFACT_BUCKET: 'from-env', TASKBOARD_IMAGE_PIPELINE_ARN: 'arn:pipeline' },
  };
  t.equal(await runCli(['bake', '--dry-run', '--bucket', 'from-flag'], bakeDeps), 1, 'no artifact at the path');
  t.match(errors.at(-1), /^taskboard-rollout: no api artifact in /);
  mkdirSync(join(dir, 'artifact'));
  writeFileSync(join(dir, 'artifact', 'server.js'), '');
  writeFileSync(
    configPath,
    JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), artifactDir: 'artifact' }),
  );
  t.equal(await runCli(['bake', '--dry-run', '--bucket', 'from-flag'], bakeDeps), 0);
  t.match(h.lines.at(-4), '"Bucket":"from-flag"', 'the flag wins over the environment');
  t.match(h.lines.at(-2), '"imagePipelineArn":"arn:pipeline"');
});
