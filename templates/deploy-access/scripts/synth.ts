// Validates the deploy access spec and synthesizes it to cdk.out/<name_prefix>-deploy-access.
// Usage: node scripts/synth.ts [--spec specs/default.yaml] [--github-repository owner/name]
//        [--region eu-west-1] [--account 123456789012]
// The repository defaults to $GITHUB_REPOSITORY (set by GitHub Actions).
import { parseArgs } from 'node:util';
import { synthTarget } from '@taskboard/template-kit';
import { synthesizeDeployAccess } from '../v1/infrastructure/synthesize.ts';

const { values } = parseArgs({
  options: {
    spec: { type: 'string', default: 'specs/default.yaml' },
    'github-repository': { type: 'string' },
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
const githubRepository = values['github-repository'] ?? process.env.GITHUB_REPOSITORY;
try {
  const result = synthesizeDeployAccess({
    specPath: values.spec,
    region,
    outdir: values.outdir,
    ...(account ? { account } : {}),
    ...(githubRepository ? { githubRepository } : {}),
  });
  console.log(`${values.spec}: ${result.stack.stackName} -> ${result.templateFile}`);
} catch (error) {
  console.error(`${values.spec}: ${(error as Error).message}`);
  process.exit(1);
}
