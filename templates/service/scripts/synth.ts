// Validates service specs against v1/schema/schema.yaml and synthesizes each instance to cdk.out/.
// Usage: node scripts/synth.ts --environment-outputs outputs.json [--spec specs/dev.yaml ...] [--region eu-west-1]
// `--environment-outputs` is the file `cdk deploy --outputs-file` wrote for the environment stack(s);
// without --spec, every spec in specs/ is synthesized. The region comes from --region,
// CDK_DEFAULT_REGION or AWS_REGION.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { synthesizeService } from '../v1/infrastructure/synthesize.ts';

const { values } = parseArgs({
  options: {
    spec: { type: 'string', multiple: true },
    'environment-outputs': { type: 'string' },
    region: { type: 'string' },
    account: { type: 'string' },
    outdir: { type: 'string', default: 'cdk.out' },
  },
});
const region = values.region ?? process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION;
const environmentOutputsPath = values['environment-outputs'] ?? process.env.TASKBOARD_ENVIRONMENT_OUTPUTS;
if (!region || !environmentOutputsPath) {
  console.error(
    'synth: needs --region (or CDK_DEFAULT_REGION/AWS_REGION) and --environment-outputs (or TASKBOARD_ENVIRONMENT_OUTPUTS)',
  );
  process.exit(2);
}
const account = values.account ?? process.env.CDK_DEFAULT_ACCOUNT;
const specs =
  values.spec ??
  readdirSync('specs')
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => join('specs', name));

let failed = false;
for (const specPath of specs) {
  try {
    for (const instance of synthesizeService({
      specPath,
      environmentOutputsPath,
      region,
      outdir: values.outdir,
      ...(account ? { account } : {}),
    })) {
      console.log(`${specPath}: ${instance.stackName} -> ${instance.templateFile}`);
    }
  } catch (error) {
    failed = true;
    console.error(`${specPath}: ${(error as Error).message}`);
  }
}
process.exit(failed ? 1 : 0);
