/**
 * cdk-nag's AwsSolutions pack over the deployable stack (issue 19 item 8).
 * Every finding Eddy keeps is acknowledged in code with its reason
 * (`EddyStreams.acknowledgeNagFindings`, `EddyStack` for the alarm topic), so
 * synthesis passes the pack; a new finding fails it.
 */
import type { App} from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { EddyStack } from '../../cdk/lib/eddy-stack.js';
import { EddyStreams } from '../../cdk/lib/eddy-streams.js';
import { removeTestApps, testApp } from './helpers.js';

const SYNTH_TIMEOUT = 300_000;
afterAll(removeTestApps);

function nagApp(): App {
  const app = testApp(false);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

/** Every acknowledgment recorded in the construct tree: rule id → reasons. */
function acknowledgments(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  const out: Array<{ path: string; id: string; reason: string }> = [];
  for (const c of root.node.findAll()) {
    for (const m of c.node.metadata.filter((e) => e.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
      const data = m.data as Record<string, unknown> | Array<{ id: string; reason: string }>;
      const entries = Array.isArray(data) ? data : Object.entries(data).map(([id, v]) => ({ id, reason: typeof v === 'string' ? v : ((v as { reason?: string }).reason ?? JSON.stringify(v)) }));
      for (const e of entries) out.push({ path: c.node.path, id: e.id, reason: e.reason });
    }
  }
  return out;
}

describe('cdk-nag AwsSolutions', () => {
  it(
    'the stack, alarm topic included, synthesizes with every finding acknowledged',
    () => {
      const app = nagApp();
      const stack = new EddyStack(app, 'Eddy', { alarmEmail: 'ops@example.com' });
      expect(() => app.synth()).not.toThrow();
      const acks = acknowledgments(stack);
      const rules = new Set(acks.map((a) => a.id.replace(/^AwsSolutions::AwsSolutions-/, '').replace(/\[.*$/, '')));
      expect([...rules].sort()).toEqual(['IAM5', 'L1', 'S1', 'SNS2']);
      // Each carries a reason a reviewer can judge.
      for (const a of acks) expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'with the Kafka gateway on, every finding is acknowledged too, each with its reason',
    () => {
      const app = nagApp();
      const stack = new EddyStack(app, 'Eddy', { eddy: { kafkaGateway: true } });
      expect(() => app.synth()).not.toThrow();
      // aws-cdk-lib's flow log acknowledges two CloudFormation-Validate rules itself; the gateway's own are AwsSolutions ones.
      const acks = acknowledgments(stack).filter((a) => a.path.includes('/KafkaGateway') && a.id.startsWith('AwsSolutions::'));
      const rules = new Set(acks.map((a) => a.id.replace(/^AwsSolutions::AwsSolutions-/, '').replace(/\[.*$/, '')));
      expect([...rules].sort()).toEqual(['ECS2', 'ECS4', 'ELB2', 'IAM5']);
      for (const a of acks) expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'with the Kafka gateway in a VPC of yours (its CIDR known only at deploy time), too',
    () => {
      const app = nagApp();
      const stack = new EddyStack(app, 'Eddy');
      const vpc = new ec2.Vpc(stack, 'Mine', { maxAzs: 2, natGateways: 1, flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } } });
      new EddyStreams(stack, 'Second', { kafkaGateway: { vpc }, functionNamePrefix: 'second' });
      expect(() => app.synth()).not.toThrow();
      const rules = new Set(acknowledgments(stack).filter((a) => a.path.includes('/KafkaGateway') && a.id.startsWith('AwsSolutions::')).map((a) => a.id.replace(/^AwsSolutions::AwsSolutions-/, '').replace(/\[.*$/, '')));
      expect([...rules].sort()).toEqual(['EC23', 'ECS2', 'ECS4', 'ELB2', 'IAM5']);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'fails synthesis on a finding nobody acknowledged',
    () => {
      const app = nagApp();
      const stack = new EddyStack(app, 'Eddy');
      new s3.Bucket(stack, 'Unreviewed');
      expect(() => app.synth()).toThrow();
    },
    SYNTH_TIMEOUT,
  );
});
