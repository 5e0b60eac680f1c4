// cfn-lint (AWS's CloudFormation linter, with AWS's resource schemas) over the deploy access stack
// synthesized from specs/default.yaml. Accepted findings are listed once, with their reasons, in
// templates/kit/src/cfn-lint.ts; any other finding fails. Without cfn-lint this is skipped (failed in CI).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTemplatesWithCfnLint } from '@taskboard/template-kit';
import t from 'tap';
import { synthesizeDeployAccess } from '../v1/infrastructure/synthesize.ts';
import { PACKAGE_DIR, REPOSITORY } from './helpers/synthesized-access.ts';

const REGION = 'eu-west-1';

checkTemplatesWithCfnLint(
  t,
  () => {
    const outdir = mkdtempSync(join(tmpdir(), 'taskboard-deploy-access-lint-'));
    t.teardown(() => rmSync(outdir, { recursive: true, force: true }));
    const { templateFile } = synthesizeDeployAccess({
      specPath: join(PACKAGE_DIR, 'specs', 'default.yaml'),
      githubRepository: REPOSITORY,
      region: REGION,
      outdir,
    });
    return [templateFile];
  },
  { regions: [REGION] },
);
