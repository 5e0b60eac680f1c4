/**
 * Every CPU threshold the specs scale on must be one the group can reach.
 *
 * Why 90 % is reachable, and 95 % is not something to scale on: the api runs one worker per vCPU
 * (API_WORKERS=auto in the instance's env file, checked below), so N workers on N vCPUs can use
 * the whole instance; a saturated instance shows 95–100 % CPUUtilization. The alarms look at the
 * group *average* over one-minute periods, though, and each worker sheds load (503) once its event
 * loop is 98 % busy: with connections spread unevenly by the load balancer and workers waiting on
 * PostgreSQL, a busy group's average sits a few points below its busiest instance, so 90 % is the
 * highest average to rely on. Before, one single-threaded process on two vCPUs topped out near
 * 50–60 %: the prod steps at 80 % and 95 % could never fire, and this test would have failed on them.
 *
 * Verified only at the CloudFormation boundary (the synthesized template), not against a live group.
 */
import { join } from 'node:path';
import t from 'tap';
import { REACHABLE_CPU_PERCENT, unreachableCpuThresholds } from '../v1/infrastructure/cpu-thresholds.ts';
import { loadServiceInstances, type ServiceInputs } from '../v1/infrastructure/service-inputs.ts';
import { API_WORKERS } from '../v1/infrastructure/user-data.ts';
import { EXAMPLE_OUTPUTS, PACKAGE_DIR, resourcesOfType, synthesizeExample } from './helpers/synthesized-service.ts';

const SPECS = ['dev.yaml', 'prod.yaml'];
const [prodInstance] = loadServiceInstances(join(PACKAGE_DIR, 'specs', 'prod.yaml'), EXAMPLE_OUTPUTS);
const prodInputs = prodInstance!.inputs;

t.test('every spec in specs/ scales only on reachable CPU thresholds', async (t) => {
  for (const spec of SPECS) {
    for (const instance of loadServiceInstances(join(PACKAGE_DIR, 'specs', spec), EXAMPLE_OUTPUTS)) {
      t.same(unreachableCpuThresholds(instance.inputs), [], `${spec}: ${instance.name}`);
    }
  }
});

t.test('a step the group cannot reach is refused with the field named', async (t) => {
  const old: ServiceInputs = {
    ...prodInputs,
    step_scaling_steps: [
      { upper: 20, change: -1 },
      { lower: 80, change: 2 },
      { lower: 95, change: 4 },
    ],
  };
  t.same(unreachableCpuThresholds(old), [
    'spec.step_scaling_steps.2.lower (95) is above 90, the highest average CPU a group reaches before its api ' +
      'sheds load: this step could never fire',
  ]);
  t.same(unreachableCpuThresholds({ ...prodInputs, cpu_target_utilization_percent: 91 }), [
    'spec.cpu_target_utilization_percent (91) is above 90, the highest average CPU a group reaches before its api sheds load',
  ]);
  t.same(
    unreachableCpuThresholds({
      ...prodInputs,
      step_scaling_steps: [
        { lower: 95, upper: 100, change: -1 },
        { upper: 20, change: -1 },
      ],
    }),
    [],
    'only scale-out steps need to be reached',
  );
});

t.test('the synthesized prod policies: target and step alarms at or below what N workers reach', async (t) => {
  const { json } = synthesizeExample('prod');
  // The premise: the instance's env file asks for one api worker per vCPU.
  t.equal(API_WORKERS, 'auto');
  const [[, launchTemplate] = []] = resourcesOfType(json, 'AWS::EC2::LaunchTemplate');
  t.match(JSON.stringify(launchTemplate), /API_WORKERS=\\"auto\\"/, 'user data writes API_WORKERS="auto"');

  const policies = resourcesOfType(json, 'AWS::AutoScaling::ScalingPolicy');
  const cpuTargets = policies
    .map(([, properties]) => properties.TargetTrackingConfiguration as Record<string, unknown> | undefined)
    .filter((config): config is Record<string, unknown> =>
      JSON.stringify(config ?? {}).includes('ASGAverageCPUUtilization'),
    );
  t.equal(cpuTargets.length, 1);
  t.equal(cpuTargets[0]?.TargetValue, 55);

  // Step scaling (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StepAdjustment.html):
  // a step fires when the alarm breaches and the metric minus the alarm threshold lies in the
  // step's [MetricIntervalLowerBound, MetricIntervalUpperBound); the absolute CPU is their sum.
  const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm').filter(
    ([, alarm]) => alarm.MetricName === 'CPUUtilization',
  );
  const scaleOutAt: number[] = [];
  for (const [id, policy] of policies) {
    if (policy.PolicyType !== 'StepScaling') continue;
    const alarm = alarms.find(([, properties]) => JSON.stringify(properties.AlarmActions).includes(`"${id}"`));
    t.ok(alarm, `${id} has its CPU alarm`);
    const threshold = alarm![1].Threshold as number;
    for (const step of policy.StepAdjustments as { MetricIntervalLowerBound?: number; ScalingAdjustment: number }[]) {
      if (step.ScalingAdjustment > 0) scaleOutAt.push(threshold + (step.MetricIntervalLowerBound ?? 0));
    }
  }
  t.same(scaleOutAt.sort(), [80, 90], 'scale-out steps at 80 % and 90 % average CPU');
  for (const percent of [...scaleOutAt, ...cpuTargets.map((config) => config.TargetValue as number)]) {
    t.ok(percent <= REACHABLE_CPU_PERCENT, `${percent} % is reachable with one worker per vCPU`);
  }
});
