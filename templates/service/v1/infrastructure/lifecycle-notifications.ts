import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface LifecycleNotificationsProps {
  /** Address subscribed to the topic (launches, terminations, failures). @default - no subscription */
  readonly email?: string;
}

/**
 * The SNS topic the Auto Scaling group publishes lifecycle notifications to, encrypted with its
 * own KMS key (rotated yearly) that Auto Scaling's service-linked role may use, HTTPS-only.
 */
export class LifecycleNotifications extends Construct {
  readonly key: kms.Key;
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: LifecycleNotificationsProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'NotificationKey', {
      description: 'Encrypts the Taskboard service lifecycle notification topic',
      enableKeyRotation: true,
    });
    // Auto Scaling publishes with its service-linked role, which needs the key. KMS rejects a key
    // policy naming a principal that does not exist, and that role exists only once the account's
    // first Auto Scaling group is created (later in this very stack, in a fresh account). So match
    // it by aws:PrincipalArn under principal "*" instead; kms:CallerAccount keeps it to this account.
    // Not the account root principal: that only delegates to IAM policies, and AWS fixes the
    // service-linked role's policy, which grants no KMS use of customer managed keys.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AutoScalingPublishesNotifications',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
            'kms:CallerAccount': Aws.ACCOUNT_ID,
          },
        },
      }),
    );
    // `Default`: the topic (and its policy and subscription) keep the logical IDs they had as the
    // stack's child `LifecycleNotifications` (service-stack.ts).
    this.topic = new sns.Topic(this, 'Default', { masterKey: this.key, enforceSSL: true });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }

  /**
   * Lets CloudWatch alarms named `alarmNamePattern` (wildcards allowed) of this account and region
   * publish to the topic. CloudWatch publishes as the service principal cloudwatch.amazonaws.com,
   * which needs sns:Publish in the topic policy (this stack replaces SNS's default policy) and
   * kms:GenerateDataKey* / kms:Decrypt on the topic's key; aws:SourceAccount and aws:SourceArn keep
   * it to these alarms (confused deputy).
   * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
   */
  allowCloudWatchAlarms(alarmNamePattern: string): void {
    const principal = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    const conditions = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: {
        'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${alarmNamePattern}`,
      },
    };
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishNotifications',
        principals: [principal],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions,
      }),
    );
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [principal],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions,
      }),
    );
  }
}
