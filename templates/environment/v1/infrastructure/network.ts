import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  /** A /16 IPv4 range. @default '10.0.0.0/16' */
  readonly cidr?: string;
  /** NAT gateways for the application subnets: 0, 1 or 2. @default 1 */
  readonly natGateways?: number;
  /** Create interface endpoints for the services the instances call. @default false */
  readonly interfaceEndpoints?: boolean;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly flowLogRetention?: logs.RetentionDays;
}

/** Interface endpoints instances need without internet egress: secrets, Session Manager, logs. */
export const INTERFACE_ENDPOINT_SERVICES = {
  SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  Ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
  SsmMessages: ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
  Ec2Messages: ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
  CloudWatchLogs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
} as const;

/**
 * A VPC over two AZs with three /24 subnet tiers, allocated in this order so the addresses are
 * predictable (10.0.0.0/16 gives public 10.0.0-1, app 10.0.2-3, database 10.0.4-5):
 * - `public`: NAT gateways only; nothing else is internet-facing;
 * - `app`: the internal load balancer, VPC link ENIs and the instances;
 * - `database`: isolated, no route out.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly appSubnets: ec2.SubnetSelection;
  readonly databaseSubnets: ec2.SubnetSelection;
  readonly flowLogGroup: logs.LogGroup;
  /** The interface endpoints, by name; empty when the spec turns them off. */
  readonly interfaceEndpoints: ReadonlyMap<string, ec2.InterfaceVpcEndpoint>;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    const cidr = props.cidr ?? '10.0.0.0/16';
    if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/16$/.test(cidr))
      throw new Error(`Network: cidr must be a /16, got "${cidr}"`);
    const natGateways = props.natGateways ?? 1;
    if (!Number.isInteger(natGateways) || natGateways < 0 || natGateways > 2) {
      throw new Error(`Network: natGateways must be 0, 1 or 2, got ${natGateways}`);
    }
    if (natGateways === 0 && !props.interfaceEndpoints) {
      throw new Error(
        'Network: with natGateways 0, interfaceEndpoints must be true or instances cannot reach SSM and Secrets Manager',
      );
    }

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      maxAzs: 2,
      natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        {
          name: 'app',
          // Without NAT there is no default route: the subnets are isolated and rely on endpoints.
          subnetType: natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED,
          cidrMask: 24,
        },
        { name: 'database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      restrictDefaultSecurityGroup: true,
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
      // S3 gateway endpoints are free; SSM agent and package mirrors use S3.
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    this.appSubnets = { subnetGroupName: 'app' };
    this.databaseSubnets = { subnetGroupName: 'database' };

    const endpoints = new Map<string, ec2.InterfaceVpcEndpoint>();
    if (props.interfaceEndpoints) {
      for (const [name, service] of Object.entries(INTERFACE_ENDPOINT_SERVICES)) {
        // open: false: only the security groups passed to allowEndpointAccessFrom may connect.
        const endpoint = this.vpc.addInterfaceEndpoint(name, {
          service,
          subnets: this.appSubnets,
          privateDnsEnabled: true,
          open: false,
        });
        endpoints.set(name, endpoint);
      }
    }
    this.interfaceEndpoints = endpoints;
  }

  /** Lets a security group reach every interface endpoint over HTTPS. */
  allowEndpointAccessFrom(securityGroup: ec2.ISecurityGroup): void {
    for (const endpoint of this.interfaceEndpoints.values()) {
      endpoint.connections.allowFrom(securityGroup, ec2.Port.tcp(443), 'HTTPS to the endpoint');
    }
  }
}
