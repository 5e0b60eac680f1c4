// cfn-lint (AWS's CloudFormation linter, with AWS's resource schemas) over the template of every
// instance of every spec in specs/, resolved against specs/environment-outputs.example.json as
// `npm run synth` does. Accepted findings are listed once, with their reasons, in
// templates/kit/src/cfn-lint.ts; any other finding fails. Without cfn-lint this is skipped (failed in CI).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTemplatesWithCfnLint, specsToSynthesize } from '@taskboard/template-kit';
import t from 'tap';
import { synthesizeService } from '../v1/infrastructure/synthesize.ts';
import { EXAMPLE_OUTPUTS, PACKAGE_DIR } from './helpers/synthesized-service.ts';

const REGION = 'eu-west-1';

checkTemplatesWithCfnLint(
  t,
  () => {
    const outdir = mkdtempSync(join(tmpdir(), 'taskboard-service-lint-'));
    t.teardown(() => rmSync(outdir, { recursive: true, force: true }));
    return specsToSynthesize(undefined, join(PACKAGE_DIR, 'specs')).flatMap((specPath) =>
      synthesizeService({ specPath, environmentOutputsPath: EXAMPLE_OUTPUTS, region: REGION, outdir }).map(
        (instance) => instance.templateFile,
      ),
    );
  },
  { regions: [REGION] },
);
