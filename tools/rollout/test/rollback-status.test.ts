// Real AWS is verified only at this boundary: exact Auto Scaling requests asserted with aws-sdk-client-mock.
import { CancelInstanceRefreshCommand, DescribeInstanceRefreshesCommand } from '@aws-sdk/client-auto-scaling';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import t from 'tap';
import { rollback, status } from '../src/commands.ts';
import { createHarness, GROUP, NEW_IMAGE, OLD_IMAGE, TEMPLATE_ID } from './helpers/harness.ts';
import { givenRefreshes, givenServiceGroup, refresh } from './helpers/scenario.ts';

t.test('status prints the version, image and latest refresh', async (t) => {
  const h = createHarness();
  givenServiceGroup(h);
  givenRefreshes(h, [refresh(h, { Status: 'InProgress', PercentageComplete: 50, InstancesToUpdate: 1 })]);
  t.equal(await status(h.context, 'dev'), 0);
  t.same(h.lines, [
    `taskboard-api-dev: group ${GROUP}, launch template ${TEMPLATE_ID} version 7, image ${OLD_IMAGE}`,
    'no instance in service',
    'latest instance refresh ir-1111: [InProgress] | 50% | 1 instance(s) left',
  ]);
  t.same(h.autoScaling.commandCalls(DescribeInstanceRefreshesCommand)[0]!.args[0].input, {
    AutoScalingGroupName: GROUP,
    MaxRecords: 1,
  });
  const fresh = createHarness();
  givenServiceGroup(fresh);
  givenRefreshes(fresh, []);
  await status(fresh.context, 'dev');
  t.equal(fresh.lines.at(-1), 'no instance refresh yet');
});

t.test('rollback cancels the refresh in progress and follows it to Cancelled', async (t) => {
  const h = createHarness();
  givenServiceGroup(h);
  givenRefreshes(
    h,
    [refresh(h, { Status: 'InProgress', PercentageComplete: 50 })],
    [refresh(h, { Status: 'Cancelling', PercentageComplete: 50 })],
    [refresh(h, { Status: 'Cancelled', PercentageComplete: 50, StatusReason: 'Cancelled by user' })],
  );
  h.autoScaling.on(CancelInstanceRefreshCommand).resolves({ InstanceRefreshId: 'ir-1111' });
  t.equal(await rollback(h.context, { environment: 'dev' }), 0);
  t.same(
    h.autoScaling.commandCalls(CancelInstanceRefreshCommand).map((call) => call.args[0].input),
    [{ AutoScalingGroupName: GROUP }],
  );
  t.same(h.autoScaling.commandCalls(DescribeInstanceRefreshesCommand).at(-1)!.args[0].input, {
    AutoScalingGroupName: GROUP,
    InstanceRefreshIds: ['ir-1111'],
  });
  t.match(h.lines.at(-1), 'CloudFormation fails the stack update and rolls back');
});

t.test('rollback that comes too late (the refresh succeeded) exits 1', async (t) => {
  const h = createHarness();
  givenServiceGroup(h);
  givenRefreshes(h, [refresh(h, { Status: 'InProgress' })], [refresh(h, { Status: 'Successful' })]);
  h.autoScaling.on(CancelInstanceRefreshCommand).resolves({});
  t.equal(await rollback(h.context, { environment: 'dev' }), 1);
  t.equal(h.lines.at(-1), 'rollback failed: the refresh finished before it could be cancelled');
});

t.test('rollback --dry-run prints the cancel request', async (t) => {
  const h = createHarness({ dryRun: true });
  givenServiceGroup(h);
  givenRefreshes(h, [refresh(h, { Status: 'Pending' })]);
  t.equal(await rollback(h.context, { environment: 'dev' }), 0);
  t.equal(h.autoScaling.commandCalls(CancelInstanceRefreshCommand).length, 0);
  t.equal(h.lines.at(-1), `[dry-run] would call autoscaling:CancelInstanceRefresh {"AutoScalingGroupName":"${GROUP}"}`);
});

t.test('rollback with nothing in progress: needs --to, then deploys that image without migrations', async (t) => {
  const h = createHarness();
  givenServiceGroup(h);
  givenRefreshes(h, [refresh(h, { Status: 'Successful' })]);
  t.equal(await rollback(h.context, { environment: 'dev' }), 1);
  t.match(h.lines.at(-1), 'no instance refresh in progress');
  await t.rejects(rollback(h.context, { environment: 'dev', toImage: NEW_IMAGE }), {
    message: 'rollback --to needs --environment-outputs',
  });

  const to = createHarness();
  givenServiceGroup(to);
  givenRefreshes(
    to,
    [refresh(to, { InstanceRefreshId: 'ir-old', Status: 'Successful' })],
    [refresh(to, { InstanceRefreshId: 'ir-old', Status: 'Successful' })],
    [refresh(to, { InstanceRefreshId: 'ir-back', Status: 'Successful', PercentageComplete: 100 })],
  );
  const code = await rollback(to.context, {
    environment: 'dev',
    toImage: NEW_IMAGE,
    environmentOutputs: '/tmp/o.json',
  });
  t.equal(code, 0);
  t.equal(to.ec2.commandCalls(RunInstancesCommand).length, 0, 'no migrations on the way back');
  t.equal(to.runner.runs.length, 2);
});
