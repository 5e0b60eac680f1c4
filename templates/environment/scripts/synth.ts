// Validates environment specs against v1/schema/schema.yaml and synthesizes them to cdk.out/.
// Usage: node scripts/synth.ts [--spec specs/dev.yaml ...] [--region eu-west-1] [--openapi path] [--outdir cdk.out]
// Without --spec, every spec in specs/ is synthesized. The region comes from --region,
// CDK_DEFAULT_REGION or AWS_REGION.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { synthesizeEnvironment } from '../v1/infrastructure/synthesize.ts';

const { values } = parseArgs({
  options: {
    spec: { type: 'string', multiple: true },
    region: { type: 'string' },
    account: { type: 'string' },
    openapi: { type: 'string' },
    outdir: { type: 'string', default: 'cdk.out' },
  },
});
const region = values.region ?? process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION;
if (!region) {
  console.error('synth: set the target region with --region, CDK_DEFAULT_REGION or AWS_REGION');
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
    const result = synthesizeEnvironment({
      specPath,
      region,
      outdir: values.outdir,
      ...(account ? { account } : {}),
      ...(values.openapi ? { openApiPath: values.openapi } : {}),
    });
    console.log(`${specPath}: ${result.stackName} -> ${result.templateFile}`);
  } catch (error) {
    failed = true;
    console.error(`${specPath}: ${(error as Error).message}`);
  }
}
process.exit(failed ? 1 : 0);
