// Validates service specs against v1/schema/schema.yaml and synthesizes each instance to cdk.out/.
// Usage: node scripts/synth.ts --environment-outputs outputs.json [--spec specs/dev.yaml ...] [--region eu-west-1]
//        [--awaiting-migrations]   (the first deploy's first step: 0 instances whatever the spec says)
// `--environment-outputs` is the file `cdk deploy --outputs-file` wrote for the environment stack(s);
// without --spec, every spec in specs/ is synthesized. The region comes from --region,
// CDK_DEFAULT_REGION or AWS_REGION.
import { parseArgs } from 'node:util';
import { specsToSynthesize, synthesizeEach, synthTarget } from '@taskboard/template-kit';
import { synthesizeService } from '../v1/infrastructure/synthesize.ts';

const { values } = parseArgs({
  options: {
    spec: { type: 'string', multiple: true },
    'environment-outputs': { type: 'string' },
    region: { type: 'string' },
    account: { type: 'string' },
    outdir: { type: 'string', default: 'cdk.out' },
    'awaiting-migrations': { type: 'boolean', default: false },
  },
});
const { region, account } = synthTarget(values);
const environmentOutputsPath = values['environment-outputs'] ?? process.env.TASKBOARD_ENVIRONMENT_OUTPUTS;
if (!region || !environmentOutputsPath) {
  console.error(
    'synth: needs --region (or CDK_DEFAULT_REGION/AWS_REGION) and --environment-outputs (or TASKBOARD_ENVIRONMENT_OUTPUTS)',
  );
  process.exit(2);
}
process.exit(
  synthesizeEach(specsToSynthesize(values.spec), (specPath) =>
    synthesizeService({
      specPath,
      environmentOutputsPath,
      region,
      outdir: values.outdir,
      awaitingMigrations: values['awaiting-migrations'],
      ...(account ? { account } : {}),
    }),
  ),
);
