import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface InternalLoadBalancerProps {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** The service instances' security group: the load balancer may reach it on `servicePort`. */
  readonly instanceSecurityGroup: ec2.ISecurityGroup;
  readonly servicePort: number;
  /** Days to keep load balancer access logs. @default 90 */
  readonly accessLogRetentionDays?: number;
  /**
   * Deletion protection on the load balancer, and its access log bucket kept when the stack is
   * deleted. Off (dev) deletes both with the stack.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * The internal ALB the service registers into, its listener, and the VPC link V2 API Gateway uses to
 * reach it. It lives in the environment so the REST API can be created with the environment,
 * before any service exists; services add a target group and a listener rule.
 */
export class InternalLoadBalancer extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
  readonly securityGroup: ec2.SecurityGroup;
  readonly vpcLinkSecurityGroup: ec2.SecurityGroup;
  readonly vpcLink: apigwv2.CfnVpcLink;
  readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: InternalLoadBalancerProps) {
    super(scope, id);
    if (!Number.isInteger(props.servicePort) || props.servicePort < 1 || props.servicePort > 65535) {
      throw new Error(`InternalLoadBalancer: servicePort must be a TCP port, got ${props.servicePort}`);
    }
    this.vpcLinkSecurityGroup = new ec2.SecurityGroup(this, 'VpcLinkSecurityGroup', {
      vpc: props.vpc,
      description: 'API Gateway VPC link ENIs',
      allowAllOutbound: false,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Internal ALB: HTTP from the API Gateway VPC link only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(this.vpcLinkSecurityGroup, ec2.Port.tcp(80), 'HTTP from the VPC link');
    this.vpcLinkSecurityGroup.addEgressRule(this.securityGroup, ec2.Port.tcp(80), 'HTTP to the ALB');
    this.securityGroup.addEgressRule(props.instanceSecurityGroup, ec2.Port.tcp(props.servicePort), 'To the service');
    props.instanceSecurityGroup.addIngressRule(
      this.securityGroup,
      ec2.Port.tcp(props.servicePort),
      'From the internal ALB',
    );

    const deletionProtection = props.deletionProtection ?? true;
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED, // ALB log delivery supports SSE-S3 only
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogRetentionDays ?? 90) }],
      removalPolicy: deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !deletionProtection,
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      internetFacing: false,
      securityGroup: this.securityGroup,
      dropInvalidHeaderFields: true,
      deletionProtection,
    });
    this.loadBalancer.logAccessLogs(this.accessLogBucket, 'alb');
    this.listener = this.loadBalancer.addListener('Http', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      // Until a service registers its target group, answer with a problem+json 503.
      defaultAction: elbv2.ListenerAction.fixedResponse(503, {
        contentType: 'application/problem+json',
        messageBody: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503 }),
      }),
    });

    this.vpcLink = new apigwv2.CfnVpcLink(this, 'VpcLink', {
      name: `${props.vpc.node.path.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 100)}-link`,
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
      securityGroupIds: [this.vpcLinkSecurityGroup.securityGroupId],
    });
  }
}
