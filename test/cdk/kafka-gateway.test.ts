/**
 * The `kafkaGateway` prop: nothing of it exists unless it is on; when on, a
 * Fargate service (ARM64) behind a Network Load Balancer, with a task role
 * holding exactly the gateway's DynamoDB and S3 actions, ingress limited to
 * the VPC (or the peer given), a log group with retention, and the load
 * balancer's DNS name as advertised host. Bundling is skipped (the image is
 * only fingerprinted at synth; Docker builds it at deploy time).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Stack, type App } from 'aws-cdk-lib';
import { Template, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { EddyStack } from '../../cdk/lib/eddy-stack.js';
import { EddyStreams, type EddyStreamsProps } from '../../cdk/lib/eddy-streams.js';
import { KAFKA_GATEWAY_DOCKERFILE, KAFKA_GATEWAY_VPC_CIDR } from '../../cdk/lib/kafka-gateway.js';
import { ENV, MALLOC_ENV } from '../../core/config.js';
import { removeTestApps, render, testApp } from './helpers.js';

const SYNTH_TIMEOUT = 300_000;
afterAll(removeTestApps);

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- CloudFormation JSON

function synth(props: EddyStreamsProps, setup?: (stack: Stack) => Partial<EddyStreamsProps>): { stack: Stack; eddy: EddyStreams; template: Template; resources: Resources } {
  const stack = new Stack(testApp(false), 'GatewayTest');
  const extra = setup?.(stack) ?? {};
  const eddy = new EddyStreams(stack, 'Eddy', { ...props, ...extra });
  const template = Template.fromStack(stack);
  return { stack, eddy, template, resources: template.toJSON().Resources as Resources };
}

const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const GATEWAY_TYPES = /^AWS::(ECS|EC2|ElasticLoadBalancingV2)::/;

describe('off by default', () => {
  it(
    'no ECS, EC2 or load balancer resource, no gateway role, no bootstrap output',
    () => {
      const { eddy, resources } = synth({});
      expect(eddy.kafkaGateway).toBeUndefined();
      expect(Object.values(resources).filter((r) => GATEWAY_TYPES.test(r.Type))).toEqual([]);
      expect(JSON.stringify(resources)).not.toContain('ecs-tasks.amazonaws.com');
      const off = synth({ kafkaGateway: false });
      expect(Object.keys(off.resources).sort()).toEqual(Object.keys(resources).sort());

      const stack = new EddyStack(testApp(false), 'Eddy');
      expect(Object.keys(Template.fromStack(stack).toJSON().Outputs as object)).not.toContain('KafkaBootstrap');
    },
    SYNTH_TIMEOUT,
  );
});

describe('on', () => {
  const on = synth({ kafkaGateway: true });
  const { template, resources } = on;

  it('an ARM64 Fargate service of 0.25 vCPU and 0.5 GB, one task, with an ECS circuit breaker', () => {
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    template.resourceCountIs('AWS::ECS::Service', 1);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '256',
      Memory: '512',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE', DesiredCount: 1, DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }) });
  });

  it('the task role allows exactly the gateway\'s DynamoDB and S3 actions, each on its table or key prefix, no wildcard action', () => {
    const [roleId] = ofType(resources, 'AWS::IAM::Role').find(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('ecs-tasks') && String(r.Properties.Description).includes('Kafka gateway'))!;
    const policies = ofType(resources, 'AWS::IAM::Policy').filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => render(r) === `{${roleId}}`));
    expect(policies).toHaveLength(1);
    const statements = (policies[0]![1].Properties.PolicyDocument.Statement as Array<{ Effect: string; Action: string | string[]; Resource: unknown }>).map((s) => ({
      effect: s.Effect,
      actions: [s.Action].flat().sort(),
      resource: render(s.Resource),
    }));
    const table = (key: string) => `{${Object.keys(resources).find((id) => id.startsWith(`Eddy${key}`) && resources[id]!.Type === 'AWS::DynamoDB::Table')!}.Arn}`;
    const bucket = `{${ofType(resources, 'AWS::S3::Bucket')[0]![0]}.Arn}`;
    expect(statements).toEqual([
      { effect: 'Allow', actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'], resource: table('TopicsTable') },
      { effect: 'Allow', actions: ['dynamodb:PutItem', 'dynamodb:Query'], resource: table('LogTable') },
      { effect: 'Allow', actions: ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan'], resource: table('GroupsTable') },
      { effect: 'Allow', actions: ['s3:GetObject', 's3:PutObject'], resource: `${bucket}/ingest/*` },
      { effect: 'Allow', actions: ['s3:GetObject'], resource: `${bucket}/segments/*` },
    ]);
    for (const s of statements) for (const a of s.actions) expect(a).not.toContain('*');
    // No managed policy either.
    expect(resources[roleId]!.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('a Network Load Balancer, internal, with one TCP listener on 9092 forwarding to the tasks\' port 9092', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Type: 'network', Scheme: 'internal' });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 9092, Protocol: 'TCP' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 9092, Protocol: 'TCP', TargetType: 'ip', HealthCheckProtocol: 'TCP' });
  });

  it('ingress: the load balancer admits the VPC\'s CIDR on 9092 only; the tasks admit the load balancer only; nothing admits 0.0.0.0/0', () => {
    const groups = ofType(resources, 'AWS::EC2::SecurityGroup');
    expect(groups).toHaveLength(2);
    const [lbId, lb] = groups.find(([id]) => id.includes('LoadBalancerSecurityGroup'))!;
    const [, vpc] = ofType(resources, 'AWS::EC2::VPC')[0]!;
    expect(vpc.Properties.CidrBlock).toBe(KAFKA_GATEWAY_VPC_CIDR);
    expect(lb.Properties.SecurityGroupIngress).toEqual([{ CidrIp: KAFKA_GATEWAY_VPC_CIDR, Description: 'Kafka clients', FromPort: 9092, ToPort: 9092, IpProtocol: 'tcp' }]);
    const [serviceId, service] = groups.find(([id]) => id.includes('ServiceSecurityGroup'))!;
    expect(service.Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = ofType(resources, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties);
    expect(ingress).toEqual([expect.objectContaining({ GroupId: { 'Fn::GetAtt': [serviceId, 'GroupId'] }, SourceSecurityGroupId: { 'Fn::GetAtt': [lbId, 'GroupId'] }, FromPort: 9092, ToPort: 9092 })]);
    expect(JSON.stringify([lb.Properties.SecurityGroupIngress, ingress])).not.toContain('0.0.0.0/0');
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { SecurityGroups: [{ 'Fn::GetAtt': [lbId, 'GroupId'] }] });
  });

  it('a small new VPC without NAT gateways, with S3 and DynamoDB gateway endpoints and a flow log of rejected traffic; tasks get public IPs', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
    template.hasResourceProperties('AWS::ECS::Service', { NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) } });
  });

  it('logs to its own log group, kept 30 days (logRetention)', () => {
    const [logId] = ofType(resources, 'AWS::Logs::LogGroup').find(([id]) => id.startsWith('EddyKafkaGatewayLogs'))!;
    expect(resources[logId]!.Properties.RetentionInDays).toBe(30);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ LogConfiguration: { LogDriver: 'awslogs', Options: Match.objectLike({ 'awslogs-group': { Ref: logId } }) } })],
    });
  });

  it('the container is told the tables, the bucket and the load balancer\'s DNS name as advertised host', () => {
    const [lbId] = ofType(resources, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0]!;
    const container = ofType(resources, 'AWS::ECS::TaskDefinition')[0]![1].Properties.ContainerDefinitions[0] as { Environment: Array<{ Name: string; Value: unknown }>; PortMappings: unknown; ReadonlyRootFilesystem: boolean };
    const env = Object.fromEntries(container.Environment.map((e) => [e.Name, render(e.Value)]));
    expect(env[ENV.kafkaAdvertisedHost]).toBe(`{${lbId}.DNSName}`);
    expect(env[ENV.kafkaAdvertisedPort]).toBe('9092');
    expect(env[ENV.kafkaPort]).toBe('9092');
    expect(env[ENV.kafkaAutoCreateTopics]).toBe('true');
    for (const key of [ENV.topicsTable, ENV.logTable, ENV.groupsTable, ENV.bucket]) expect(env[key]).toMatch(/^\{Eddy\w+\}$/);
    // What the functions are told about tables, bucket, log level and groups, the gateway is told too.
    const fn = ofType(resources, 'AWS::Lambda::Function')[0]![1].Properties.Environment.Variables as Record<string, unknown>;
    for (const key of [ENV.topicsTable, ENV.logTable, ENV.groupsTable, ENV.bucket, ENV.logLevel, ENV.heartbeatIntervalMs, ENV.handoverHeartbeatIntervalMs, ENV.appendProtocol]) {
      expect(env[key], key).toBe(render(fn[key]));
    }
    expect(container.PortMappings).toEqual([{ ContainerPort: 9092, Protocol: 'tcp' }]);
    expect(container.ReadonlyRootFilesystem).toBe(true);
  });

  it('the image is built from the committed Dockerfile for linux/arm64, from the gateway\'s sources only', () => {
    const assembly = (on.stack.node.root as App).synth();
    const assets = JSON.parse(readFileSync(path.join(assembly.directory, `${on.stack.artifactId}.assets.json`), 'utf8')) as { dockerImages: Record<string, { source: { directory: string; dockerFile: string; platform: string } }> };
    const images = Object.values(assets.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0]!.source.dockerFile).toBe(KAFKA_GATEWAY_DOCKERFILE);
    expect(images[0]!.source.platform).toBe('linux/arm64');
    const dockerfile = readFileSync(path.join(assembly.directory, images[0]!.source.directory, KAFKA_GATEWAY_DOCKERFILE), 'utf8');
    expect(dockerfile).toContain('node cdk/kafka-gateway/bundle.mjs');
    // glibc malloc tuning, as on the Lambda functions: MALLOC_ENV of core/config.ts, in the image's ENV.
    for (const [name, value] of Object.entries(MALLOC_ENV)) expect(dockerfile).toMatch(new RegExp(`^\\s+${name}=${value}\\b`, 'm'));
  });

  it('the stack outputs the bootstrap address', () => {
    const stack = new EddyStack(testApp(false), 'Eddy', { eddy: { kafkaGateway: true } });
    const outputs = Template.fromStack(stack).toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(render(outputs.KafkaBootstrap!.Value)).toMatch(/^\{EddyKafkaGatewayLoadBalancer\w+\.DNSName\}:9092$/);
  });
});

describe('settings', () => {
  it(
    'desiredCount, size, port, allowFrom, advertisedHost, a TLS certificate and internetFacing reach the template',
    () => {
      const { template, resources } = synth({
        kafkaGateway: {
          desiredCount: 3,
          cpu: 512,
          memoryLimitMiB: 1024,
          port: 9094,
          allowFrom: ec2.Peer.ipv4('10.20.0.0/16'),
          advertisedHost: 'kafka.example.com',
          internetFacing: true,
          certificate: elbv2.ListenerCertificate.fromArn('arn:aws:acm:eu-west-1:123456789012:certificate/abc'),
          autoCreateTopics: false,
        },
        logRetention: logs.RetentionDays.ONE_WEEK,
      });
      template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 3 });
      template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '512', Memory: '1024' });
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing' });
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 9094,
        Protocol: 'TLS',
        Certificates: [{ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' }],
      });
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 9092, Protocol: 'TCP' });
      const lb = ofType(resources, 'AWS::EC2::SecurityGroup').find(([id]) => id.includes('LoadBalancerSecurityGroup'))![1];
      expect(lb.Properties.SecurityGroupIngress).toEqual([expect.objectContaining({ CidrIp: '10.20.0.0/16', FromPort: 9094, ToPort: 9094 })]);
      const env = Object.fromEntries((ofType(resources, 'AWS::ECS::TaskDefinition')[0]![1].Properties.ContainerDefinitions[0].Environment as Array<{ Name: string; Value: unknown }>).map((e) => [e.Name, e.Value]));
      expect(env[ENV.kafkaAdvertisedHost]).toBe('kafka.example.com');
      expect(env[ENV.kafkaAdvertisedPort]).toBe('9094');
      expect(env[ENV.kafkaPort]).toBe('9092');
      expect(env[ENV.kafkaAutoCreateTopics]).toBe('false');
      expect(ofType(resources, 'AWS::Logs::LogGroup').find(([id]) => id.startsWith('EddyKafkaGatewayLogs'))![1].Properties.RetentionInDays).toBe(7);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'a VPC of yours: no new VPC, tasks in its private subnets without public IPs, ingress from its CIDR',
    () => {
      const { template, resources } = synth({}, (stack) => ({
        kafkaGateway: { vpc: new ec2.Vpc(stack, 'Mine', { maxAzs: 2, natGateways: 1, ipAddresses: ec2.IpAddresses.cidr('10.5.0.0/16') }) },
      }));
      const vpcs = ofType(resources, 'AWS::EC2::VPC');
      expect(vpcs.map(([id]) => id)).toEqual([expect.stringMatching(/^Mine/)]);
      template.resourceCountIs('AWS::EC2::FlowLog', 0);
      const service = ofType(resources, 'AWS::ECS::Service')[0]![1].Properties.NetworkConfiguration.AwsvpcConfiguration as { AssignPublicIp: string; Subnets: Array<{ Ref: string }> };
      expect(service.AssignPublicIp).toBe('DISABLED');
      for (const s of service.Subnets) expect(s.Ref).toMatch(/^MinePrivateSubnet/);
      const lb = ofType(resources, 'AWS::EC2::SecurityGroup').find(([id]) => id.includes('LoadBalancerSecurityGroup'))![1];
      expect(lb.Properties.SecurityGroupIngress).toEqual([expect.objectContaining({ CidrIp: { 'Fn::GetAtt': [vpcs[0]![0], 'CidrBlock'] } })]);
    },
    SYNTH_TIMEOUT,
  );

  it('bad values are named', () => {
    expect(() => synth({ kafkaGateway: { port: 70000 } })).toThrow(/kafkaGateway\.port must be an integer from 1 to 65535, got 70000/);
    expect(() => synth({ kafkaGateway: { desiredCount: 1.5 } })).toThrow(/kafkaGateway\.desiredCount must be an integer from 0 to 100, got 1\.5/);
    expect(() => synth({ kafkaGateway: { vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } } })).toThrow(/kafkaGateway\.vpcSubnets needs vpc/);
  });
});
