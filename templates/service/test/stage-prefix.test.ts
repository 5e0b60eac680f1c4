// API Gateway may send the stage before every path to a private integration ("Considerations" in
// https://docs.aws.amazon.com/apigateway/latest/developerguide/private-integration.html), so the service
// tells the api which prefix to strip: API_STAGE_PREFIX=/<stage>, from the environment's ApiStageName
// (the api's side: packages/api/test/stage-prefix.test.ts). Verified on the synthesized user data.
import { join } from 'node:path';
import { loadServiceSpec } from '@taskboard/template-kit';
import t from 'tap';
import { apiUserDataCommands, API_ENV_FILE } from '../v1/infrastructure/user-data.ts';
import { parseServiceInputs } from '../v1/infrastructure/service-inputs.ts';
import { PACKAGE_DIR, exampleOutputs, resourcesOfType, synthesizeExample } from './helpers/synthesized-service.ts';

const config = {
  region: 'eu-west-1',
  port: 3000,
  databaseSecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
  issuerUrl: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool',
  clientId: 'client',
  corsOrigins: [],
  logLevel: 'info',
  deregistrationDelaySeconds: 30,
  cloudWatchAgentConfigParameter: 'AmazonCloudWatch-x',
};

function environmentFile(lines: readonly string[]): string[] {
  const start = lines.indexOf(`cat > ${API_ENV_FILE} <<'TASKBOARD_ENV'`);
  return lines.slice(start + 1, lines.indexOf('TASKBOARD_ENV', start));
}

t.test('the api environment names the stage to strip, only when there is one', async (t) => {
  t.ok(environmentFile(apiUserDataCommands({ ...config, apiStageName: 'live' })).includes('API_STAGE_PREFIX="/live"'));
  t.notOk(
    environmentFile(apiUserDataCommands(config)).some((line) => line.startsWith('API_STAGE_PREFIX=')),
    'unset: the api strips nothing',
  );
});

t.test('the example specs take the stage from the environment outputs into the user data', async (t) => {
  const dev = synthesizeExample('dev');
  t.equal(exampleOutputs('dev').ApiStageName, 'live');
  const [, launchTemplate] = resourcesOfType(dev.json, 'AWS::EC2::LaunchTemplate')[0]!;
  t.match(JSON.stringify(launchTemplate), /API_STAGE_PREFIX=\\"\/live\\"/);
});

t.test('api_stage_name defaults to the environment default, may be empty, and is a stage name', async (t) => {
  const outputs = exampleOutputs('dev');
  const { api_stage_name: fromEnvironment, ...spec } = loadServiceSpec(join(PACKAGE_DIR, 'specs', 'dev.yaml'))
    .instances[0]!.spec;
  t.equal(fromEnvironment, '{{ environment.outputs.ApiStageName }}', 'the example spec takes it from the environment');
  t.equal(parseServiceInputs(spec, outputs).api_stage_name, 'live', "the environment's default stage");
  t.equal(parseServiceInputs({ ...spec, api_stage_name: '' }, outputs).api_stage_name, '');
  t.throws(() => parseServiceInputs({ ...spec, api_stage_name: 'live/v1' }, outputs), {
    message: /spec\.api_stage_name: must match pattern/,
  });
});
