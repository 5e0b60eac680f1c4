// The time relations between the target group health check, the api's restart and drain, the Auto
// Scaling grace period and the rollback alarms, checked on the synthesized templates (CDK assertions).
// What AWS does with these settings is taken from the pages cited per test; nothing here is deployed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import t from 'tap';
import {
  API_RESTART_SEC,
  API_START_UP_ALLOWANCE_SECONDS,
  HEALTH_CHECK_PATH,
  INSTANCE_START_ALLOWANCE_SECONDS,
  healthCheckTiming,
} from '../v1/infrastructure/health-check-timing.ts';
import {
  ALARM_EVALUATION_INTERVAL_SECONDS,
  ELB_METRIC_INTERVAL_SECONDS,
  MAX_BAKE_TIME_SECONDS,
  bakeTimeSeconds,
} from '../v1/infrastructure/rollback-timing.ts';
import { loadServiceInstances, type ServiceInputs } from '../v1/infrastructure/service-inputs.ts';
import { ServiceStack } from '../v1/infrastructure/service-stack.ts';
import { SHUTDOWN_DEADLINE_SECONDS } from '../v1/infrastructure/user-data.ts';
import { EXAMPLE_OUTPUTS, PACKAGE_DIR, resourcesOfType, synthesizeExample } from './helpers/synthesized-service.ts';

const UNIT_FILE = join(PACKAGE_DIR, '..', '..', 'packages', 'api', 'deploy', 'taskboard-api.service');
const examples = [synthesizeExample('dev'), synthesizeExample('prod')];
const devInputs = loadServiceInstances(join(PACKAGE_DIR, 'specs', 'dev.yaml'), EXAMPLE_OUTPUTS)[0]!.inputs;

type Json = Record<string, unknown>;

/** A stack from the dev spec with some inputs changed (constructor validation runs on them). */
function stackWith(overrides: Partial<ServiceInputs>): Template {
  const stack = new ServiceStack(new App(), 'Variant', {
    inputs: { ...devInputs, ...overrides },
    instanceName: 'variant',
    env: { region: 'eu-west-1' },
  });
  return Template.fromStack(stack);
}

function only(template: Json, type: string): Json {
  const found = resourcesOfType(template as never, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]![1];
}

function targetGroupOf(template: Json) {
  const group = only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup') as {
    HealthCheckPath: string;
    HealthCheckIntervalSeconds: number;
    HealthCheckTimeoutSeconds: number;
    HealthyThresholdCount: number;
    UnhealthyThresholdCount: number;
    TargetGroupAttributes: { Key: string; Value: string }[];
  };
  const delay = group.TargetGroupAttributes.find((a) => a.Key === 'deregistration_delay.timeout_seconds');
  return { ...group, deregistrationDelaySeconds: Number(delay?.Value) };
}

function userDataOf(template: Json): string {
  const data = only(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData as {
    UserData: { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } };
  };
  return data.UserData['Fn::Base64']['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '')).join('');
}

function numberIn(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  if (!match?.[1]) throw new Error(`${pattern} not found`);
  return Number(match[1]);
}

// A target leaves service after UnhealthyThresholdCount consecutive failed checks (2–10), one every
// HealthCheckIntervalSeconds, each failing after HealthCheckTimeoutSeconds (less than the interval):
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
// With ELB health checks on, Auto Scaling replaces an instance the load balancer reports unhealthy:
// https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-checks-overview.html
t.test('a crash and systemd restart of the api cannot get a healthy instance replaced, at any interval', async (t) => {
  const unit = readFileSync(UNIT_FILE, 'utf8');
  t.equal(numberIn(unit, /^RestartSec=(\d+)$/m), API_RESTART_SEC, 'the restart delay is the unit file one');
  t.match(unit, /^Restart=on-failure$/m);
  for (let interval = 5; interval <= 300; interval++) {
    const timing = healthCheckTiming(interval);
    const outage = API_RESTART_SEC + API_START_UP_ALLOWANCE_SECONDS;
    // An outage of R seconds spans at most ceil(R / interval) checks.
    const failedChecks = Math.ceil(outage / interval);
    if (failedChecks >= timing.unhealthyThreshold || timing.unhealthyThreshold > 10 || timing.unhealthyThreshold < 2) {
      t.fail(`interval ${interval}: ${failedChecks} failed checks vs threshold ${timing.unhealthyThreshold}`);
    }
    if (timing.timeoutSeconds >= interval) t.fail(`interval ${interval}: timeout ${timing.timeoutSeconds}`);
  }
  t.equal(healthCheckTiming(5).unhealthyThreshold, 4, 'a 12 s restart spans 3 checks 5 s apart');
  t.equal(healthCheckTiming(15).unhealthyThreshold, 2);
  for (const { stackName, json } of examples) {
    const group = targetGroupOf(json as unknown as Json);
    t.equal(group.HealthCheckPath, HEALTH_CHECK_PATH, stackName);
    t.equal(group.UnhealthyThresholdCount, healthCheckTiming(group.HealthCheckIntervalSeconds).unhealthyThreshold);
  }
  stackWith({ health_check_interval_seconds: 5 }).hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    HealthCheckIntervalSeconds: 5,
    HealthCheckTimeoutSeconds: 4,
    UnhealthyThresholdCount: 4,
  });
});

t.test('the health check interval is checked before anything is built', async (t) => {
  for (const bad of [4, 301, 7.5]) {
    t.throws(() => healthCheckTiming(bad), {
      message: /health_check_interval_seconds: must be an integer from 5 to 300/,
    });
  }
});

// A process that drains without being deregistered (e.g. `systemctl restart`) keeps receiving new
// requests until the load balancer has seen UnhealthyThresholdCount failed checks (page above);
// a deregistered one for the deregistration delay:
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay
t.test('a draining api keeps serving until the load balancer can have stopped routing to it', async (t) => {
  const variants: { readonly name: string; readonly template: Json }[] = [
    ...examples.map(({ stackName, json }) => ({ name: stackName, template: json as unknown as Json })),
    {
      name: 'interval 60 s',
      template: stackWith({ health_check_interval_seconds: 60, health_check_grace_period_seconds: 300 }).toJSON(),
    },
    { name: 'deregistration delay 300 s', template: stackWith({ deregistration_delay_seconds: 300 }).toJSON() },
  ];
  for (const { name, template } of variants) {
    const group = targetGroupOf(template);
    const script = userDataOf(template);
    const drainWindowSeconds = numberIn(script, /DRAIN_WINDOW_MS="(\d+)"/) / 1000;
    const detection =
      group.UnhealthyThresholdCount * group.HealthCheckIntervalSeconds + group.HealthCheckTimeoutSeconds;
    t.ok(drainWindowSeconds >= detection + 5, `${name}: drain ${drainWindowSeconds} s ≥ ${detection} s + 5`);
    t.ok(drainWindowSeconds >= group.deregistrationDelaySeconds + 5, `${name}: and the deregistration delay + 5`);
    t.equal(
      numberIn(script, /TimeoutStopSec=(\d+)/),
      drainWindowSeconds + SHUTDOWN_DEADLINE_SECONDS + 5,
      `${name}: systemd waits for the drain window and the shutdown deadline`,
    );
  }
  const slow = variants.find((variant) => variant.name === 'interval 60 s')!;
  t.match(userDataOf(slow.template), 'DRAIN_WINDOW_MS="130000"', '2 × 60 s + 5 s timeout + 5 s');
});

// The grace period is the least time a new instance stays in service before a failed ELB health
// check replaces it: https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html
// A registered target needs passing checks before it counts as healthy (target group page above).
t.test('the grace period lets a healthy new instance pass its checks first', async (t) => {
  for (const { stackName, json } of examples) {
    const group = targetGroupOf(json as unknown as Json);
    const grace = (
      only(json as unknown as Json, 'AWS::AutoScaling::AutoScalingGroup') as { HealthCheckGracePeriod: number }
    ).HealthCheckGracePeriod;
    const needed = INSTANCE_START_ALLOWANCE_SECONDS + group.HealthyThresholdCount * group.HealthCheckIntervalSeconds;
    t.ok(grace >= needed, `${stackName}: grace ${grace} s ≥ ${needed} s`);
  }
  t.throws(() => stackWith({ health_check_grace_period_seconds: 60 }), {
    message:
      'spec.health_check_grace_period_seconds (60) is shorter than a new instance needs to pass the health check ' +
      '(60 s to boot and start the api + 2 × 15 s): use at least 90',
  });
  t.throws(() => stackWith({ health_check_interval_seconds: 60 }), { message: /use at least 180$/ });
});

// Bake time: the refresh waits this long after the last instance before it is complete (0–172800 s):
// https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html
// An alarm going to ALARM while the refresh is in progress fails it and rolls it back; a finished
// refresh cannot be rolled back: https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html
// ALB metrics are sent in 60-second intervals: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
t.test('the bake time lets every rollback alarm see the new fleet for a whole evaluation window', async (t) => {
  for (const { stackName, json } of examples) {
    const [[, group]] = Object.entries(json.Resources).filter(
      ([, r]) => r.Type === 'AWS::AutoScaling::AutoScalingGroup',
    ) as unknown as [[string, { UpdatePolicy: { AutoScalingInstanceRefresh: { Preferences: Json } } }]];
    const preferences = group.UpdatePolicy.AutoScalingInstanceRefresh.Preferences as {
      BakeTime: number;
      AlarmSpecification: { Alarms: { Ref: string }[] };
    };
    const watched = preferences.AlarmSpecification.Alarms.map(({ Ref }) => {
      const alarm = json.Resources[Ref]!;
      t.equal(alarm.Type, 'AWS::CloudWatch::Alarm');
      return alarm.Properties as { Period: number; EvaluationPeriods: number; DatapointsToAlarm: number };
    });
    t.equal(watched.length, 2, `${stackName}: both rollback alarms are watched`);
    const longestWindow = Math.max(...watched.map((a) => a.Period * a.EvaluationPeriods));
    t.equal(
      preferences.BakeTime,
      longestWindow + ELB_METRIC_INTERVAL_SECONDS + ALARM_EVALUATION_INTERVAL_SECONDS,
      `${stackName}: bake ${preferences.BakeTime} s = longest window ${longestWindow} s + publication and evaluation delay`,
    );
    t.ok(preferences.BakeTime <= MAX_BAKE_TIME_SECONDS);
    for (const alarm of watched) t.ok(alarm.DatapointsToAlarm <= alarm.EvaluationPeriods);
  }
  t.throws(() => bakeTimeSeconds([]), { message: 'bake time: no rollback alarms to wait for' });
  t.throws(() => bakeTimeSeconds([{ periodSeconds: 86_400, evaluationPeriods: 2, datapointsToAlarm: 2 }]), {
    message: /exceeds the instance refresh maximum of 172800 s/,
  });
});

// An instance of a broken image fails /health/serving from its first check, goes unhealthy after
// UnhealthyThresholdCount checks and is replaced once the grace period is over; its successor does
// the same. For the unhealthy-targets alarm (2 of 3 minutes) to fire on that, each unhealthy spell
// must outlast one alarm period, so it touches two of them.
t.test('a broken image stays unhealthy long enough per instance for the rollback alarm to fire', async (t) => {
  for (const { stackName, json } of examples) {
    const template = json as unknown as Json;
    const group = targetGroupOf(template);
    const grace = (only(template, 'AWS::AutoScaling::AutoScalingGroup') as { HealthCheckGracePeriod: number })
      .HealthCheckGracePeriod;
    const unhealthyAfter =
      group.UnhealthyThresholdCount * group.HealthCheckIntervalSeconds + group.HealthCheckTimeoutSeconds;
    const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm').map(([, p]) => p);
    const unhealthyAlarm = alarms.find((a) => a.MetricName === 'UnHealthyHostCount') as { Period: number };
    t.ok(
      grace - unhealthyAfter > unhealthyAlarm.Period,
      `${stackName}: ${grace - unhealthyAfter} s unhealthy per instance`,
    );
  }
});
