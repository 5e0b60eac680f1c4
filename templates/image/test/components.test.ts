// Runs the component scripts with bash, as AWSTOE runs an ExecuteBash step: every external command is a
// stub on PATH that logs its arguments and exits with a chosen status, and the absolute paths the checks
// look at point into a temporary folder. What the real commands do on Amazon Linux is not verified here.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  API_DIR,
  artifactComponent,
  CLOUDWATCH_AGENT_CTL,
  cloudWatchAgentComponent,
  NODE_BIN,
  nodeComponent,
} from '../v1/infrastructure/components.ts';
import { parseImageInputs } from '../v1/infrastructure/image-inputs.ts';

const STUBBED = [
  'aws',
  'chmod',
  'chown',
  'curl',
  'dnf',
  'grep',
  'id',
  'install',
  'ln',
  'mkdir',
  'node',
  'rm',
  'sha256sum',
  'systemctl',
  'systemd-analyze',
  'tar',
  'useradd',
];
// PATH holds only the stubs, so a command added to a script without a stub fails the test (127).
const BASH = execFileSync('/bin/sh', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim();
const root = mkdtempSync(join(tmpdir(), 'taskboard-components-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

const inputs = parseImageInputs({ pipeline_name: 'taskboard-api' });
const COMPONENTS: Record<string, string> = {
  node24: nodeComponent(inputs),
  artifact: artifactComponent(inputs),
  'cloudwatch-agent': cloudWatchAgentComponent(),
};
/** What each stub exits with when a phase succeeds: migrate.js exits 2 without a database. */
const SUCCESS: Record<string, Record<string, number>> = { 'artifact validate': { node: 2 } };

function phaseScript(component: string, phase: string): string {
  const document = JSON.parse(COMPONENTS[component]!) as {
    phases: Array<{ name: string; steps: Array<{ inputs: { commands: string[] } }> }>;
  };
  return document.phases
    .find((p) => p.name === phase)!
    .steps.flatMap((s) => s.inputs.commands)
    .join('\n');
}

interface Run {
  readonly status: number | null;
  readonly calls: readonly string[];
}

/** Runs one phase; `statuses` override the stubs' exit statuses, `missing` is left out of the api folder. */
function run(component: string, phase: string, statuses: Record<string, number> = {}, missing?: string): Run {
  // The same folder every time, so the logged calls of two runs compare equal.
  const dir = join(root, 'run');
  rmSync(dir, { recursive: true, force: true });
  const bin = join(dir, 'bin');
  const api = join(dir, 'api');
  mkdirSync(bin, { recursive: true });
  const exits = { ...SUCCESS[`${component} ${phase}`], ...statuses };
  for (const name of STUBBED) {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> "$STUB_CALLS"\nexit ${exits[name] ?? 0}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  mkdirSync(join(api, 'migrations'), { recursive: true });
  for (const file of ['server.js', 'migrate.js']) writeFileSync(join(api, file), '');
  if (missing) rmSync(join(api, missing), { recursive: true });
  const ctl = join(dir, 'amazon-cloudwatch-agent-ctl');
  writeFileSync(ctl, '');
  chmodSync(ctl, 0o755);
  const calls = join(dir, 'calls');
  writeFileSync(calls, '');
  const script = phaseScript(component, phase)
    .replaceAll(NODE_BIN, join(bin, 'node'))
    .replaceAll(API_DIR, api)
    .replaceAll(CLOUDWATCH_AGENT_CTL, ctl);
  const result = spawnSync(BASH, ['-c', script], { env: { PATH: bin, STUB_CALLS: calls }, encoding: 'utf8' });
  return { status: result.status, calls: readFileSync(calls, 'utf8').split('\n').filter(Boolean) };
}

const commandName = (call: string): string => call.split(' ')[0]!;

t.test('the artifact check passes only when migrate.js loads and exits 2 for its missing database', async (t) => {
  const passed = run('artifact', 'validate', { node: 2 });
  t.equal(passed.status, 0);
  t.match(passed.calls.at(-1), /^node .*\/migrate\.js$/);
  t.not(run('artifact', 'validate', { node: 0 }).status, 0, 'exit 0 means it never asked for a database');
  t.not(run('artifact', 'validate', { node: 1 }).status, 0, 'exit 1 is a crash while loading');
});

t.test('each file check of the artifact counts: a missing file stops the validation at once', async (t) => {
  for (const missing of ['server.js', 'migrate.js', 'migrations']) {
    const result = run('artifact', 'validate', {}, missing);
    t.not(result.status, 0, missing);
    t.same(result.calls, [], `${missing}: nothing runs after the failed check`);
  }
});

t.test('every component phase runs to its end, and stops at the first failing command', async (t) => {
  for (const component of Object.keys(COMPONENTS)) {
    for (const phase of ['build', 'validate']) {
      const name = `${component} ${phase}`;
      const success = run(component, phase);
      t.equal(success.status, 0, `${name} succeeds with succeeding commands`);
      // A pipeline's commands run together, so only a script without one has a strict order to compare.
      const sequential = !/(^|[^|])\|([^|]|$)/m.test(phaseScript(component, phase).replaceAll('|| rc=$?', ''));
      for (const command of new Set(success.calls.map(commandName))) {
        // `id -u taskboard || useradd ...` expects id to fail when the user does not exist yet.
        if (command === 'id') continue;
        const failed = run(component, phase, { [command]: 1 });
        t.not(failed.status, 0, `${name} fails when ${command} fails`);
        if (sequential) {
          const first = success.calls.findIndex((call) => commandName(call) === command);
          t.same(failed.calls, success.calls.slice(0, first + 1), `${name}: nothing runs after ${command} fails`);
        }
      }
    }
  }
});

t.test('the service user is created only when it does not exist', async (t) => {
  t.notOk(run('artifact', 'build').calls.some((call) => call.startsWith('useradd')));
  const created = run('artifact', 'build', { id: 1 });
  t.equal(created.status, 0);
  t.ok(created.calls.some((call) => call.startsWith('useradd --system')));
});
