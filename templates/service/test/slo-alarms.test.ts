// SloAlarms and ServiceDashboard on a small stack (no example synthesis): objectives from props,
// validation errors, and the schema 1.1 defaults a spec that predates them gets.
// The synthesized examples are checked in service-stack.test.ts; the method (multiwindow,
// multi-burn-rate, https://sre.google/workbook/alerting-on-slos/) is documented in slo-alarms.ts.
import { join } from 'node:path';
import { loadServiceSpec } from '@taskboard/template-kit';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import t from 'tap';
import { parseServiceInputs } from '../v1/infrastructure/service-inputs.ts';
import { ServiceDashboard } from '../v1/infrastructure/service-dashboard.ts';
import { BURN_RATE_POLICIES, SloAlarms, type SloAlarmsProps } from '../v1/infrastructure/slo-alarms.ts';
import { exampleOutputs, PACKAGE_DIR } from './helpers/synthesized-service.ts';

function alarmsStack(changes: Partial<SloAlarmsProps> = {}): { stack: Stack; alarms: SloAlarms } {
  const stack = new Stack(new App(), 'Test');
  const alarms = new SloAlarms(stack, 'Slo', {
    serviceName: 'svc',
    alarmNamePrefix: 'svc',
    availabilityObjectivePercent: 99.5,
    latencyThresholdMs: 250,
    topic: new sns.Topic(stack, 'Topic'),
    ...changes,
  });
  return { stack, alarms };
}

t.test('the objectives become the burn-rate expressions', async (t) => {
  const { stack, alarms } = alarmsStack();
  t.equal(alarms.compositeAlarms.length, 4);
  t.equal(alarms.windowAlarms.length, 8);
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'svc-slo-availability-slow-burn-6h',
    Threshold: 6,
    Metrics: Match.arrayWith([Match.objectLike({ Expression: '(FILL(errors, 0) / requests) / 0.005' })]),
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'svc-slo-latency-fast-burn-5m',
    Threshold: 14.4,
    Metrics: Match.arrayWith([
      Match.objectLike({ Id: 'within', MetricStat: Match.objectLike({ Stat: 'PR(:250)', Period: 300 }) }),
    ]),
  });
});

t.test('the policies spend 2 % and 5 % of a 30-day budget, short windows 1/12 of the long', async (t) => {
  for (const policy of BURN_RATE_POLICIES) {
    t.equal(policy.shortWindow.toSeconds() * 12, policy.longWindow.toSeconds(), policy.name);
  }
  const spent = BURN_RATE_POLICIES.map((p) => Math.round(((p.burnRate * p.longWindow.toHours()) / 720) * 100));
  t.same(spent, [2, 5]);
});

t.test('objectives and names outside what CloudWatch and the SLO math accept are refused', async (t) => {
  t.throws(() => alarmsStack({ availabilityObjectivePercent: 100 }), {
    message: 'SloAlarms: availabilityObjectivePercent must be at least 90 and below 100, got 100',
  });
  t.throws(() => alarmsStack({ latencyThresholdMs: 0.5 }), /latencyThresholdMs must be a positive integer/);
  t.throws(() => alarmsStack({ alarmNamePrefix: 'a b' }), /alarmNamePrefix may contain only/);
});

t.test('the dashboard refuses names CloudWatch would refuse and values that break SEARCH', async (t) => {
  const props = {
    dashboardName: 'ok',
    serviceName: 'svc',
    autoScalingGroupName: 'asg',
    loadBalancerFullName: 'app/x/1',
    targetGroupFullName: 'targetgroup/y/2',
  };
  t.throws(
    () => new ServiceDashboard(new Stack(), 'D', { ...props, dashboardName: 'a b' }),
    /dashboardName may contain only/,
  );
  t.throws(
    () => new ServiceDashboard(new Stack(), 'D', { ...props, serviceName: 'a"b' }),
    /serviceName must not contain/,
  );
  const stack = new Stack();
  new ServiceDashboard(stack, 'D', props);
  Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 1);
});

t.test('a spec from before schema 1.1 gets alarms on and the default objectives', async (t) => {
  const spec = { ...loadServiceSpec(join(PACKAGE_DIR, 'specs', 'dev.yaml')).instances[0]!.spec };
  for (const name of [
    'trace_sample_ratio',
    'slo_alarms_enabled',
    'slo_availability_objective_percent',
    'slo_latency_threshold_ms',
  ]) {
    delete spec[name];
  }
  const inputs = parseServiceInputs(spec, exampleOutputs('dev'));
  t.equal(inputs.trace_sample_ratio, 0.05);
  t.equal(inputs.slo_alarms_enabled, true);
  t.equal(inputs.slo_availability_objective_percent, 99.9);
  t.equal(inputs.slo_latency_threshold_ms, 1000);
});
