// API Gateway sends the stage before every path to a private integration ("Considerations" in
// https://docs.aws.amazon.com/apigateway/latest/developerguide/private-integration.html). Two layers keep
// the api's routes reachable: the service's listener rule rewrites `/<stage>/...` to `/...` with an ALB
// URL rewrite transform (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-transforms.html:
// a URL the regex does not match is forwarded unchanged), and the api strips API_STAGE_PREFIX=/<stage>
// itself (packages/api/test/stage-prefix.test.ts). Verified on the synthesized template only.
import { join } from 'node:path';
import { loadServiceSpec } from '@taskboard/template-kit';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import t from 'tap';
import { ServiceStack } from '../v1/infrastructure/service-stack.ts';
import { stagePrefixPattern } from '../v1/infrastructure/service-target-group.ts';
import { apiUserDataCommands, API_ENV_FILE } from '../v1/infrastructure/user-data.ts';
import { loadServiceInstances, parseServiceInputs } from '../v1/infrastructure/service-inputs.ts';
import {
  EXAMPLE_OUTPUTS,
  PACKAGE_DIR,
  exampleOutputs,
  resourcesOfType,
  synthesizeExample,
} from './helpers/synthesized-service.ts';
import { EXAMPLE_API_CONFIGURATION } from './helpers/api-configuration.ts';

const config = EXAMPLE_API_CONFIGURATION;

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

t.test('the listener rule strips the stage from the path before the api sees it', async (t) => {
  const dev = synthesizeExample('dev');
  const [, rule] = resourcesOfType(dev.json, 'AWS::ElasticLoadBalancingV2::ListenerRule')[0]!;
  t.same(rule.Transforms, [
    { Type: 'url-rewrite', UrlRewriteConfig: { Rewrites: [{ Regex: '^/live/(.*)$', Replace: '/$1' }] } },
  ]);
  // What the ALB does with that pair (a regex replace of the request URL), with JavaScript's regex as
  // a stand-in for the ALB's: the pattern uses no feature the ALB does not support (rule-transforms.html).
  const rewrite = (url: string) => url.replace(new RegExp(stagePrefixPattern('live')), '/$1');
  t.equal(rewrite('/live/v1/projects/0192?limit=5'), '/v1/projects/0192?limit=5');
  t.equal(rewrite('/v1/me'), '/v1/me', 'no stage: forwarded unchanged');
  t.equal(rewrite('/health/serving'), '/health/serving', "the load balancer's own health checks");
  t.equal(rewrite('/lively/v1/me'), '/lively/v1/me', 'only the whole first segment');
});

t.test('no stage name: no transform, and a stage name is checked before it becomes a regex', async (t) => {
  const inputs = loadServiceInstances(join(PACKAGE_DIR, 'specs', 'dev.yaml'), EXAMPLE_OUTPUTS)[0]!.inputs;
  const stack = new ServiceStack(new App(), 'NoStage', {
    inputs: { ...inputs, api_stage_name: '' },
    instanceName: 'no-stage',
    env: { region: 'eu-west-1' },
  });
  const rules = Template.fromStack(stack).findResources('AWS::ElasticLoadBalancingV2::ListenerRule');
  t.equal(Object.keys(rules).length, 1);
  t.notOk(Object.values(rules)[0]!.Properties.Transforms);
  t.throws(() => stagePrefixPattern('live/(.*)'), { message: /not an API Gateway stage name/ });
});
