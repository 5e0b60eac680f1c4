import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { DEFAULT_DRAIN_WINDOW_MS, DEFAULT_SHUTDOWN_DEADLINE_MS, loadServerConfig } from '../../src/config.ts';

const MINIMAL_ENV = { DATABASE_URL: 'postgresql://u@h/d', AUTH_ISSUERS: 'https://issuer', AUTH_CLIENT_IDS: 'c' };

const UNIT = fileURLToPath(new URL('../../deploy/taskboard-api.service', import.meta.url));

function directives(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) found.set(match[1] ?? '', match[2] ?? '');
  }
  return found;
}

t.test('the AMI unit runs unprivileged, restarts on failure, outlasts the drain and is hardened', async (t) => {
  const unit = directives(readFileSync(UNIT, 'utf8'));
  t.equal(unit.get('User'), 'taskboard');
  t.equal(unit.get('EnvironmentFile'), '/etc/taskboard/api.env');
  // One worker per vCPU unless the env file says otherwise: "Settings from these files override
  // settings made with Environment=" (https://man7.org/linux/man-pages/man5/systemd.exec.5.html).
  t.equal(unit.get('Environment'), 'API_WORKERS=auto');
  t.equal(loadServerConfig({ ...MINIMAL_ENV, API_WORKERS: 'auto' }, 4).workers, 4, 'auto is one per vCPU');
  t.equal(unit.get('ExecStart'), '/usr/bin/node /opt/taskboard/api/server.js');
  t.equal(unit.get('Restart'), 'on-failure');
  t.equal(unit.get('RestartPreventExitStatus'), '78');
  t.equal(unit.get('KillSignal'), 'SIGTERM');
  // The primary alone gets SIGTERM and drains its workers together; systemd's SIGKILL after the stop
  // timeout reaches them all. https://man7.org/linux/man-pages/man5/systemd.kill.5.html (KillMode=)
  t.equal(unit.get('KillMode'), 'mixed');
  const stopSeconds = Number(unit.get('TimeoutStopSec'));
  t.ok(
    stopSeconds * 1000 > DEFAULT_DRAIN_WINDOW_MS + DEFAULT_SHUTDOWN_DEADLINE_MS,
    'TimeoutStopSec exceeds drain window + shutdown deadline',
  );
  const hardening: Record<string, string> = {
    NoNewPrivileges: 'true',
    ProtectSystem: 'strict',
    ProtectHome: 'true',
    PrivateTmp: 'true',
    PrivateDevices: 'true',
    ProtectKernelTunables: 'true',
    ProtectKernelModules: 'true',
    ProtectControlGroups: 'true',
    RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
    LockPersonality: 'true',
    MemoryDenyWriteExecute: 'false',
    CapabilityBoundingSet: '',
  };
  for (const [directive, value] of Object.entries(hardening)) t.equal(unit.get(directive), value, directive);
  t.ok(Number(unit.get('LimitNOFILE')) >= 65_536);
});

t.test('systemd-analyze verify accepts the unit', { skip: !existsSync('/usr/bin/systemd-analyze') }, async (t) => {
  let output: string;
  try {
    output = execFileSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    output = String((error as { stderr?: string }).stderr ?? error);
  }
  // Only the machine-specific gaps (no such user, binary or env file here) are acceptable.
  const problems = output
    .split('\n')
    .filter(
      (line) =>
        line.trim() &&
        !/server\.js|\/usr\/bin\/node|taskboard|api\.env|Failed to prepare|not executable|No such file/.test(line),
    );
  t.same(problems, []);
});
