// cfn-lint (AWS's CloudFormation linter, with AWS's resource schemas) over the image pipeline synthesized
// from specs/default.yaml. Accepted findings are listed once, with their reasons, in
// templates/kit/src/cfn-lint.ts; any other finding fails. Without cfn-lint this is skipped (failed in CI).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTemplatesWithCfnLint } from '@taskboard/template-kit';
import t from 'tap';
import { synthesizeImage } from '../v1/infrastructure/synthesize.ts';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const REGION = 'eu-west-1';

checkTemplatesWithCfnLint(
  t,
  () => {
    const outdir = mkdtempSync(join(tmpdir(), 'taskboard-image-lint-'));
    t.teardown(() => rmSync(outdir, { recursive: true, force: true }));
    const { templateFile } = synthesizeImage({
      specPath: join(PACKAGE_DIR, 'specs', 'default.yaml'),
      region: REGION,
      outdir,
    });
    return [templateFile];
  },
  { regions: [REGION] },
);
