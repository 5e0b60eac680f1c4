import { RolloutError } from './errors.ts';

const AMI_LINE = /^(\s*ami_id:\s*)(['"]?)(ami-[0-9a-f]+)\2(\s*(#.*)?)$/;

/** The lines of the spec and the index of the `ami_id:` line of one instance. */
function findAmiLine(text: string, instanceName: string): { lines: string[]; index: number; match: RegExpExecArray } {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^\\s*-\\s*name:\\s*['"]?${instanceName}['"]?\\s*$`).test(line));
  if (start < 0) throw new RolloutError(`instance ${instanceName} is not in the spec`);
  const indent = /^(\s*)-/.exec(lines[start]!)![1]!.length;
  for (let index = start + 1; index < lines.length; index += 1) {
    const line = lines[index]!;
    // The next list item at the same indentation starts another instance.
    if (new RegExp(`^\\s{${indent}}-\\s`).test(line)) break;
    const match = AMI_LINE.exec(line);
    if (match) return { lines, index, match };
  }
  throw new RolloutError(`instance ${instanceName} has no ami_id line in the spec`);
}

/**
 * Sets `ami_id` of one instance in a `proton: ServiceSpec` file, as a one-line text edit so
 * comments, order and quoting stay as written (the change is committed, and reviewers read it).
 */
export function setAmiId(text: string, instanceName: string, imageId: string): string {
  const { lines, index, match } = findAmiLine(text, instanceName);
  lines[index] = `${match[1]}${match[2]}${imageId}${match[2]}${match[4]}`;
  return lines.join('\n');
}

/** The `ami_id` the spec records for one instance. */
export function amiIdOf(text: string, instanceName: string): string {
  return findAmiLine(text, instanceName).match[3]!;
}
