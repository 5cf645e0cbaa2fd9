/**
 * The optional Kafka gateway of {@link EddyStreams} (`kafkaGateway` prop):
 * the Kafka protocol server (`kafka/main.ts`) as an ECS Fargate service
 * behind a Network Load Balancer, so Kafka clients (and AWS Lambda's
 * self-managed Apache Kafka event source) reach Eddy at one bootstrap address.
 *
 * Off by default: the tasks and the load balancer are billed every hour,
 * used or not (docs/deploy.md, "The Kafka gateway").
 *
 * The image is built from `cdk/kafka-gateway/Dockerfile` (esbuild bundle of
 * the gateway on Node 22). `cdk synth` only hashes its sources; Docker is
 * needed at `cdk deploy` time, when the CDK CLI builds and pushes it.
 */
import { fileURLToPath } from 'node:url';
import { Duration, IgnoreMode, Stack, Token, Validations, type CfnElement, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ENV } from '../../core/config.js';
import { OBJECT_PREFIXES } from '../../core/schema.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The Dockerfile of the gateway image, relative to the repository root (its build context). */
export const KAFKA_GATEWAY_DOCKERFILE = 'cdk/kafka-gateway/Dockerfile';
/** The port the gateway listens on inside its container. */
const CONTAINER_PORT = 9092;
/** The CIDR block of the VPC the gateway creates when none is given. */
export const KAFKA_GATEWAY_VPC_CIDR = '10.90.0.0/24';

/** Settings of the Kafka gateway service (the `kafkaGateway` prop of {@link EddyStreams}). Every one is optional. */
export interface EddyKafkaGatewayProps {
  /**
   * The VPC of the tasks and the load balancer.
   *
   * @default - a new VPC (10.90.0.0/24) with two public subnets (two AZs), no NAT gateway,
   * and gateway endpoints for S3 and DynamoDB (free; the gateway's storage
   * traffic stays inside AWS's network)
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of the tasks and the load balancer.
   *
   * @default - the new VPC's public subnets; in a VPC of yours, its private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Give each task a public IP address, so it can pull its image and reach
   * AWS APIs without a NAT gateway. Its security group still admits only the
   * load balancer.
   *
   * @default - true in the new VPC, false in a VPC of yours
   */
  readonly assignPublicIp?: boolean;
  /**
   * Who may connect to the load balancer's Kafka port.
   *
   * @default - the VPC's CIDR block (never the whole internet unless you say so)
   */
  readonly allowFrom?: ec2.IPeer;
  /**
   * A load balancer reachable from the internet. Clients outside the VPC
   * then need `allowFrom` too.
   *
   * @default false (internal)
   */
  readonly internetFacing?: boolean;
  /**
   * The listener's port, which is also the port clients are told to connect to.
   *
   * @default 9092
   */
  readonly port?: number;
  /**
   * A certificate (ACM) for the listener: with it the listener speaks TLS
   * (clients use `security.protocol=SSL`), without it plain TCP. Set
   * `advertisedHost` to a name the certificate covers.
   *
   * @default - no TLS
   */
  readonly certificate?: elbv2.IListenerCertificate;
  /**
   * The host name clients are told to connect to (Kafka's advertised
   * listener), e.g. your DNS alias of the load balancer.
   *
   * @default - the load balancer's DNS name
   */
  readonly advertisedHost?: string;
  /**
   * How many gateway tasks run. They keep no state; more tasks spread
   * connections (the load balancer balances connections, not requests).
   *
   * @default 1
   */
  readonly desiredCount?: number;
  /**
   * CPU units of a task (256 = 0.25 vCPU; a valid Fargate size with `memoryLimitMiB`).
   *
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Memory of a task in MiB.
   *
   * @default 512
   */
  readonly memoryLimitMiB?: number;
  /**
   * Create topics that Metadata requests name (Kafka's `auto.create.topics.enable`).
   *
   * @default true
   */
  readonly autoCreateTopics?: boolean;
}

/** What the gateway service needs from {@link EddyStreams}. */
export interface KafkaGatewayResources {
  readonly bucket: s3.IBucket;
  readonly topicsTable: dynamodb.ITable;
  readonly logTable: dynamodb.ITable;
  readonly groupsTable: dynamodb.ITable;
  /** The functions' log level (`EDDY_LOG_LEVEL`). */
  readonly logLevel: string;
  /** Other settings the functions get that the gateway's core reads too (the group heartbeat intervals), so both serve groups alike. */
  readonly environment?: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Exactly what the gateway's calls into core need, per table and object
 * prefix: the produce, fetch, admin and groups functions' permissions
 * together, plus `dynamodb:UpdateItem` on the topics table for
 * InitProducerId (an atomic counter no function allocates from). No
 * maintenance permission: the gateway never deletes or lists objects.
 */
export const KAFKA_GATEWAY_PERMISSIONS = {
  topicsTable: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
  logTable: ['dynamodb:Query', 'dynamodb:PutItem'],
  groupsTable: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchWriteItem'],
  /** Object actions per key prefix (`OBJECT_PREFIXES`). */
  objects: {
    ingest: ['s3:GetObject', 's3:PutObject'],
    segments: ['s3:GetObject'],
  },
} as const;

function fail(message: string): never {
  throw new Error(`EddyStreams: kafkaGateway.${message}`);
}

/**
 * The gateway service: a Fargate service (ARM64) running the gateway image,
 * a Network Load Balancer with one TCP (or TLS) listener, security groups,
 * a least-privilege task role and a log group.
 */
export class EddyKafkaGateway extends Construct {
  /** The load balancer clients connect to. */
  public readonly loadBalancer: elbv2.NetworkLoadBalancer;
  /** `host:port` clients use as bootstrap server (the advertised address). */
  public readonly bootstrapAddress: string;
  /** The Fargate service. */
  public readonly service: ecs.FargateService;
  /** The tasks' role: the gateway's DynamoDB and S3 permissions only. */
  public readonly taskRole: iam.IRole;
  /** The VPC the service runs in. */
  public readonly vpc: ec2.IVpc;
  /** The gateway's log group. */
  public readonly logGroup: logs.ILogGroup;

  /**
   * @param scope - the EddyStreams construct
   * @param id - construct id
   * @param props - the `kafkaGateway` prop
   * @param resources - the tables, bucket and shared settings
   */
  constructor(scope: Construct, id: string, props: EddyKafkaGatewayProps, resources: KafkaGatewayResources) {
    super(scope, id);
    const port = props.port ?? 9092;
    if (!Token.isUnresolved(port) && (!Number.isInteger(port) || port < 1 || port > 65535)) fail(`port must be an integer from 1 to 65535, got ${port}`);
    const desiredCount = props.desiredCount ?? 1;
    if (!Number.isInteger(desiredCount) || desiredCount < 0 || desiredCount > 100) fail(`desiredCount must be an integer from 0 to 100, got ${desiredCount}`);
    const cpu = props.cpu ?? 256;
    const memoryLimitMiB = props.memoryLimitMiB ?? 512;
    if (props.vpcSubnets !== undefined && props.vpc === undefined) fail('vpcSubnets needs vpc');

    const ownVpc = props.vpc === undefined;
    this.vpc = props.vpc ?? this.createVpc(resources);
    const assignPublicIp = props.assignPublicIp ?? ownVpc;
    const vpcSubnets = props.vpcSubnets ?? (ownVpc ? { subnetType: ec2.SubnetType.PUBLIC } : { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    // The new VPC's CIDR is known here: a literal rule (cdk-nag, and a reader, can check it without deploying).
    const allowFrom = props.allowFrom ?? ec2.Peer.ipv4(ownVpc ? KAFKA_GATEWAY_VPC_CIDR : this.vpc.vpcCidrBlock);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: resources.logRetention, removalPolicy: resources.removalPolicy });

    const role = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Eddy Kafka gateway tasks: DynamoDB and S3 calls of produce, fetch, admin and groups',
    });
    const allow = (actions: readonly string[], resourceArns: string[]): void => {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: resourceArns }));
    };
    allow(KAFKA_GATEWAY_PERMISSIONS.topicsTable, [resources.topicsTable.tableArn]);
    allow(KAFKA_GATEWAY_PERMISSIONS.logTable, [resources.logTable.tableArn]);
    allow(KAFKA_GATEWAY_PERMISSIONS.groupsTable, [resources.groupsTable.tableArn]);
    allow(KAFKA_GATEWAY_PERMISSIONS.objects.ingest, [resources.bucket.arnForObjects(`${OBJECT_PREFIXES.ingest}*`)]);
    allow(KAFKA_GATEWAY_PERMISSIONS.objects.segments, [resources.bucket.arnForObjects(`${OBJECT_PREFIXES.segments}*`)]);
    this.taskRole = role;

    const loadBalancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: this.vpc,
      description: 'Eddy Kafka gateway load balancer: the Kafka port from allowFrom only',
      allowAllOutbound: false,
    });
    loadBalancerSecurityGroup.addIngressRule(allowFrom, ec2.Port.tcp(port), 'Kafka clients');
    const serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc: this.vpc,
      description: 'Eddy Kafka gateway tasks: the gateway port from the load balancer only; HTTPS out to AWS APIs',
      allowAllOutbound: false,
    });
    serviceSecurityGroup.addIngressRule(loadBalancerSecurityGroup, ec2.Port.tcp(CONTAINER_PORT), 'Kafka from the load balancer (and its health checks)');
    serviceSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'DynamoDB, S3, ECR, CloudWatch Logs over HTTPS');
    loadBalancerSecurityGroup.addEgressRule(serviceSecurityGroup, ec2.Port.tcp(CONTAINER_PORT), 'to the gateway tasks');

    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      vpcSubnets,
      internetFacing: props.internetFacing ?? false,
      securityGroups: [loadBalancerSecurityGroup],
      crossZoneEnabled: true,
    });
    const advertisedHost = props.advertisedHost ?? this.loadBalancer.loadBalancerDnsName;
    this.bootstrapAddress = `${advertisedHost}:${port}`;

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu,
      memoryLimitMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      taskRole: role,
    });
    taskDefinition.addContainer('Gateway', {
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, {
        file: KAFKA_GATEWAY_DOCKERFILE,
        platform: Platform.LINUX_ARM64,
        // Only what the Dockerfile copies counts for the image's hash (and is sent to Docker).
        exclude: ['*', '!package.json', '!package-lock.json', '!tsconfig.json', '!api', '!sdk/package.json', '!bench/package.json', '!core', '!kafka', '!cdk/kafka-gateway'],
        ignoreMode: IgnoreMode.DOCKER,
      }),
      portMappings: [{ containerPort: CONTAINER_PORT, protocol: ecs.Protocol.TCP }],
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'gateway' }),
      environment: {
        [ENV.topicsTable]: resources.topicsTable.tableName,
        [ENV.logTable]: resources.logTable.tableName,
        [ENV.groupsTable]: resources.groupsTable.tableName,
        [ENV.bucket]: resources.bucket.bucketName,
        [ENV.logLevel]: resources.logLevel,
        ...resources.environment,
        [ENV.kafkaPort]: String(CONTAINER_PORT),
        // Every interface of the task: the load balancer connects to its private address.
        EDDY_KAFKA_HOST: '0.0.0.0',
        [ENV.kafkaAdvertisedHost]: advertisedHost,
        [ENV.kafkaAdvertisedPort]: String(port),
        [ENV.kafkaAutoCreateTopics]: String(props.autoCreateTopics ?? true),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      readonlyRootFilesystem: true,
    });

    const cluster = new ecs.Cluster(this, 'Cluster', { vpc: this.vpc });
    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount,
      assignPublicIp,
      vpcSubnets,
      securityGroups: [serviceSecurityGroup],
      minHealthyPercent: 100,
      circuitBreaker: { rollback: true },
    });

    const listener = this.loadBalancer.addListener('Kafka', {
      port,
      protocol: props.certificate ? elbv2.Protocol.TLS : elbv2.Protocol.TCP,
      ...(props.certificate ? { certificates: [props.certificate], sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS } : {}),
    });
    listener.addTargets('Gateway', {
      port: CONTAINER_PORT,
      protocol: elbv2.Protocol.TCP,
      targets: [this.service.loadBalancerTarget({ containerName: 'Gateway', containerPort: CONTAINER_PORT })],
      healthCheck: { protocol: elbv2.Protocol.TCP, interval: Duration.seconds(10), healthyThresholdCount: 2, unhealthyThresholdCount: 2 },
      // Long-lived Kafka connections: give in-flight requests time on scale-in and deploys.
      deregistrationDelay: Duration.seconds(30),
    });

    this.acknowledgeNagFindings(taskDefinition, cluster, resources);
    if (!ownVpc && props.allowFrom === undefined && Token.isUnresolved(this.vpc.vpcCidrBlock)) {
      Validations.of(loadBalancerSecurityGroup).acknowledge({
        id: 'AwsSolutions::AwsSolutions-EC23',
        reason: 'The only ingress rule admits the Kafka port from the given VPC\'s own CIDR block, which CloudFormation resolves at deploy time (so the check cannot read it): never 0.0.0.0/0.',
      });
    }
  }

  /** The default VPC: public subnets in two AZs, no NAT gateway, free gateway endpoints for S3 and DynamoDB. */
  private createVpc(resources: KafkaGatewayResources): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      ipAddresses: ec2.IpAddresses.cidr(KAFKA_GATEWAY_VPC_CIDR),
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 26 }],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    // Rejected connections only: a record of who tried what, at a fraction of logging all traffic.
    vpc.addFlowLog('RejectedFlows', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogs', { retention: resources.logRetention, removalPolicy: resources.removalPolicy })),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    return vpc;
  }

  /** The cdk-nag AwsSolutions findings the gateway keeps on purpose, each with its reason. */
  private acknowledgeNagFindings(taskDefinition: ecs.FargateTaskDefinition, cluster: ecs.Cluster, resources: KafkaGatewayResources): void {
    const ack = (scope: Construct, rule: string, reason: string): void => {
      Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });
    };
    ack(
      taskDefinition,
      'ECS2',
      'The environment holds table and bucket names, the advertised host and the log level: configuration, not secrets; ' +
        'the gateway signs with its task role and has no credentials to hide.',
    );
    ack(
      cluster,
      'ECS4',
      'Container Insights is billed per metric and task; the gateway logs to CloudWatch Logs and the load balancer publishes ' +
        'its own connection metrics. Turn it on in your own cluster settings if you want per-task metrics.',
    );
    ack(
      this.loadBalancer,
      'ELB2',
      'No access logs: an NLB access log needs its own bucket and records TLS handshakes only; the gateway logs every ' +
        'connection problem itself, and the VPC flow log records rejected connections.',
    );
    const bucketArn = `<${Stack.of(this).resolve(Stack.of(this).getLogicalId(resources.bucket.node.defaultChild as CfnElement)) as string}.Arn>`;
    for (const prefix of [OBJECT_PREFIXES.ingest, OBJECT_PREFIXES.segments]) {
      ack(
        this.taskRole,
        `IAM5[Resource::${bucketArn}/${prefix}*]`,
        `Objects under Eddy's own ${prefix} key prefix: each object's key is generated when it is written (a unique id), ` +
          'so the prefix is the narrowest resource that can name them.',
      );
    }
    // The execution role (image pull, log writing) is CDK's: ecr:GetAuthorizationToken has no resource-level permission.
    const executionRole = taskDefinition.executionRole;
    if (executionRole) {
      ack(executionRole, 'IAM5[Resource::*]', 'ecr:GetAuthorizationToken, which the ECS agent needs to pull the image, supports no resource-level permissions.');
    }
  }
}
