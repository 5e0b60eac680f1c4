// Validates environment specs against v1/schema/schema.yaml and synthesizes them to cdk.out/.
// Usage: node scripts/synth.ts [--spec specs/dev.yaml ...] [--region eu-west-1] [--openapi path] [--outdir cdk.out]
// Without --spec, every spec in specs/ is synthesized. The region comes from --region,
// CDK_DEFAULT_REGION or AWS_REGION.
import { parseArgs } from 'node:util';
import { specsToSynthesize, synthesizeEach, synthTarget } from '@taskboard/template-kit';
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
const { region, account } = synthTarget(values);
if (!region) {
  console.error('synth: set the target region with --region, CDK_DEFAULT_REGION or AWS_REGION');
  process.exit(2);
}
process.exit(
  synthesizeEach(specsToSynthesize(values.spec), (specPath) => [
    synthesizeEnvironment({
      specPath,
      region,
      outdir: values.outdir,
      ...(account ? { account } : {}),
      ...(values.openapi ? { openApiPath: values.openapi } : {}),
    }),
  ]),
);
