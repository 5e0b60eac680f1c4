/**
 * The Node options production runs the api with, read from the systemd unit the AMI installs
 * (packages/api/deploy/taskboard-api.service, `Environment=NODE_OPTIONS=...`), so the bench
 * measures memory and CPU with the same V8 settings as an instance, from one source.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const UNIT_FILE = fileURLToPath(new URL('../../../packages/api/deploy/taskboard-api.service', import.meta.url));

/** The value of the unit's last `Environment=NODE_OPTIONS=` line (systemd: later assignments win); '' without one. */
export function nodeOptionsFromUnit(unit: string): string {
  let value = '';
  for (const line of unit.split('\n')) {
    const match = /^\s*Environment=(["']?)NODE_OPTIONS=(.*?)\1\s*$/.exec(line);
    if (match?.[2] !== undefined) value = match[2].trim();
  }
  return value;
}

export async function productionNodeOptions(path = UNIT_FILE): Promise<string> {
  return nodeOptionsFromUnit(await readFile(path, 'utf8'));
}
