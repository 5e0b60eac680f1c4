// Validates the image pipeline spec and synthesizes it to cdk.out/<pipeline_name>-image.
// Usage: node scripts/synth.ts [--spec specs/default.yaml] [--region eu-west-1] [--account 123456789012]
import { parseArgs } from 'node:util';
import { synthTarget } from '@taskboard/template-kit';
import { synthesizeImage } from '../v1/infrastructure/synthesize.ts';

const { values } = parseArgs({
  options: {
    spec: { type: 'string', default: 'specs/default.yaml' },
    region: { type: 'string' },
    account: { type: 'string' },
    outdir: { type: 'string', default: 'cdk.out' },
  },
});
const { region, account } = synthTarget(values);
if (!region) {
  console.error('synth: set the target region with --region, CDK_DEFAULT_REGION or AWS_REGION');
  process.exit(2);
}
try {
  const result = synthesizeImage({
    specPath: values.spec,
    region,
    outdir: values.outdir,
    ...(account ? { account } : {}),
  });
  console.log(`${values.spec}: ${result.stack.stackName} -> ${result.templateFile}`);
} catch (error) {
  console.error(`${values.spec}: ${(error as Error).message}`);
  process.exit(1);
}
