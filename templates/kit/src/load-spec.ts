import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { isRecord } from './proton-schema.ts';

export class SpecFileError extends Error {
  override name = 'SpecFileError';
}

/** `proton: EnvironmentSpec` file: one environment's inputs under `spec:`. */
export interface EnvironmentSpecFile {
  readonly proton: 'EnvironmentSpec';
  readonly spec: Readonly<Record<string, unknown>>;
}

/** `proton: ServiceSpec` file: one entry per service instance, each with its own `spec:`. */
export interface ServiceSpecFile {
  readonly proton: 'ServiceSpec';
  readonly instances: readonly ServiceInstanceSpec[];
}

export interface ServiceInstanceSpec {
  readonly name: string;
  readonly environment: string;
  readonly spec: Readonly<Record<string, unknown>>;
}

function readYaml(path: string): unknown {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SpecFileError(`${path}: cannot read spec (${(error as Error).message})`);
  }
}

export function parseEnvironmentSpec(document: unknown, source: string): EnvironmentSpecFile {
  if (!isRecord(document) || document.proton !== 'EnvironmentSpec') {
    throw new SpecFileError(`${source}: proton: must be EnvironmentSpec`);
  }
  if (!isRecord(document.spec)) throw new SpecFileError(`${source}: spec: must be a mapping`);
  return { proton: 'EnvironmentSpec', spec: document.spec };
}

export function parseServiceSpec(document: unknown, source: string): ServiceSpecFile {
  if (!isRecord(document) || document.proton !== 'ServiceSpec') {
    throw new SpecFileError(`${source}: proton: must be ServiceSpec`);
  }
  if (!Array.isArray(document.instances) || document.instances.length === 0) {
    throw new SpecFileError(`${source}: instances: must list at least one service instance`);
  }
  const instances = document.instances.map((instance: unknown, index: number): ServiceInstanceSpec => {
    const where = `${source}: instances[${index}]`;
    if (!isRecord(instance)) throw new SpecFileError(`${where} must be a mapping`);
    if (typeof instance.name !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,99}$/.test(instance.name)) {
      throw new SpecFileError(`${where}.name: must be letters, digits and hyphens, starting with a letter`);
    }
    if (typeof instance.environment !== 'string') throw new SpecFileError(`${where}.environment: is required`);
    if (!isRecord(instance.spec)) throw new SpecFileError(`${where}.spec: must be a mapping`);
    return { name: instance.name, environment: instance.environment, spec: instance.spec };
  });
  return { proton: 'ServiceSpec', instances };
}

export function loadEnvironmentSpec(path: string): EnvironmentSpecFile {
  return parseEnvironmentSpec(readYaml(path), path);
}

export function loadServiceSpec(path: string): ServiceSpecFile {
  return parseServiceSpec(readYaml(path), path);
}
