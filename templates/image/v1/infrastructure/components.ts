import type { ImageInputs } from './image-inputs.ts';

/** Where the AMI puts things; packages/api/deploy/taskboard-api.service and tools/rollout rely on them. */
export const API_DIR = '/opt/taskboard/api';
export const NODE_BIN = '/usr/bin/node';
export const UNIT_PATH = '/etc/systemd/system/taskboard-api.service';
export const RDS_CA_BUNDLE = '/etc/pki/rds/global-bundle.pem';
export const CLOUDWATCH_AGENT_CTL = '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl';

/**
 * An Image Builder AWSTOE component document (YAML is a JSON superset: JSON text is valid). Each phase runs
 * its commands as one bash script under `set -euo pipefail`. set -e ignores a failure anywhere but in the
 * last command of an `a && b` list, so every check is a command of its own, and a command that must fail
 * is run as `cmd || rc=$?` and its status tested.
 */
function document(name: string, description: string, build: string[], validate: string[]): string {
  return JSON.stringify({
    name,
    description,
    schemaVersion: 1.0,
    phases: [
      {
        name: 'build',
        steps: [{ name: 'Run', action: 'ExecuteBash', inputs: { commands: ['set -euo pipefail', ...build] } }],
      },
      {
        name: 'validate',
        steps: [{ name: 'Check', action: 'ExecuteBash', inputs: { commands: ['set -euo pipefail', ...validate] } }],
      },
    ],
  });
}

/** Node 24 LTS from nodejs.org, checked against the release's SHASUMS256.txt. */
export function nodeComponent(inputs: ImageInputs): string {
  const arch = inputs.architecture === 'arm64' ? 'arm64' : 'x64';
  const file = `node-v${inputs.node_version}-linux-${arch}.tar.xz`;
  const base = `https://nodejs.org/dist/v${inputs.node_version}`;
  return document(
    'taskboard-node24',
    `Node.js ${inputs.node_version}`,
    [
      'cd /tmp',
      `curl -fsSLO ${base}/${file}`,
      `curl -fsSL ${base}/SHASUMS256.txt | grep ' ${file}$' | sha256sum -c -`,
      'mkdir -p /opt/node',
      `tar -xJf ${file} -C /opt/node --strip-components=1`,
      `ln -sf /opt/node/bin/node ${NODE_BIN}`,
      `rm -f ${file}`,
    ],
    [`${NODE_BIN} --version | grep -q '^v24\\.'`],
  );
}

/** The api artifact (npm run bundle -w @taskboard/api, tarred) from the S3 URI the bake step recorded. */
export function artifactComponent(inputs: ImageInputs): string {
  return document(
    'taskboard-api-artifact',
    'Taskboard api artifact, the systemd unit and the RDS CA bundle',
    [
      `uri=$(aws ssm get-parameter --name ${inputs.artifact_parameter_name} --query Parameter.Value --output text)`,
      'aws s3 cp "$uri" /tmp/taskboard-api.tgz',
      'id -u taskboard >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin taskboard',
      `rm -rf ${API_DIR}`,
      `mkdir -p ${API_DIR}`,
      `tar -xzf /tmp/taskboard-api.tgz -C ${API_DIR}`,
      `chown -R root:taskboard ${API_DIR}`,
      `chmod -R g+rX,o-rwx ${API_DIR}`,
      'install -d -o taskboard -g taskboard -m 0750 /var/log/taskboard',
      'install -d -m 0755 /etc/taskboard',
      // The unit is enabled by user data once /etc/taskboard/api.env exists, not here.
      `install -m 0644 ${API_DIR}/deploy/taskboard-api.service ${UNIT_PATH}`,
      'systemctl daemon-reload',
      `install -d -m 0755 ${RDS_CA_BUNDLE.replace(/\/[^/]+$/, '')}`,
      `curl -fsSL https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem -o ${RDS_CA_BUNDLE}`,
      'rm -f /tmp/taskboard-api.tgz',
    ],
    [
      `test -f ${API_DIR}/server.js`,
      `test -f ${API_DIR}/migrate.js`,
      `test -d ${API_DIR}/migrations`,
      `systemd-analyze verify ${UNIT_PATH}`,
      // migrate.js loads, then exits 2 asking for its database: any other status (0 included) is a failure.
      'cd /tmp',
      'rc=0',
      `${NODE_BIN} ${API_DIR}/migrate.js || rc=$?`,
      'test "$rc" -eq 2',
    ],
  );
}

/** The CloudWatch agent; its configuration comes from SSM at boot (templates/service user data). */
export function cloudWatchAgentComponent(): string {
  return document(
    'taskboard-cloudwatch-agent',
    'Amazon CloudWatch agent',
    ['dnf install -y amazon-cloudwatch-agent'],
    [`test -x ${CLOUDWATCH_AGENT_CTL}`],
  );
}
