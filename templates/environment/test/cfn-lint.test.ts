// cfn-lint (AWS's CloudFormation linter, with AWS's resource schemas) over the template of every spec in
// specs/, synthesized as `npm run synth` does. Accepted findings are listed once, with their reasons,
// in templates/kit/src/cfn-lint.ts; any other finding fails. Without cfn-lint this is skipped (failed in CI).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTemplatesWithCfnLint, specsToSynthesize } from '@taskboard/template-kit';
import t from 'tap';
import { synthesizeEnvironment } from '../v1/infrastructure/synthesize.ts';
import { PACKAGE_DIR } from './helpers/synthesized-environment.ts';

const REGION = 'eu-west-1';

checkTemplatesWithCfnLint(
  t,
  () => {
    const outdir = mkdtempSync(join(tmpdir(), 'taskboard-environment-lint-'));
    t.teardown(() => rmSync(outdir, { recursive: true, force: true }));
    return specsToSynthesize(undefined, join(PACKAGE_DIR, 'specs')).map(
      (specPath) => synthesizeEnvironment({ specPath, region: REGION, outdir }).templateFile,
    );
  },
  { regions: [REGION] },
);
