/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` run this (see cdk.json).
 *
 * Context (`-c key=value`):
 * - `eddy:stackName` — stack name, default `Eddy`;
 * - `eddy:removalPolicy` — `retain` (default) or `destroy` (dev and LocalStack);
 * - `eddy:functionNamePrefix` — function name prefix, default the names in `FUNCTION_NAMES`;
 * - `eddy:alarmEmail` — an email address every alarm notifies (through an SNS topic; confirm the subscription email).
 * - `eddy:kafkaGateway` — `true` adds the Kafka gateway (Fargate + Network Load Balancer, billed while idle; docs/deploy.md), default off;
 * - `eddy:kafkaGatewayAllowFrom` — the CIDR block that may connect to it, default the gateway VPC's CIDR;
 * - `eddy:appendProtocol` — `head` (default) or `reserve` (many producers per partition; docs/design.md §3.1).
 *
 * The stack is environment-agnostic: it deploys to the account and region of
 * the CLI's credentials, and synthesizes offline without any.
 */
import { App, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EddyStack } from '../lib/eddy-stack.js';

const app = new App();

function context(key: string): string | undefined {
  const v: unknown = app.node.tryGetContext(key);
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new Error(`context ${key} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

const removal = context('eddy:removalPolicy') ?? 'retain';
if (removal !== 'retain' && removal !== 'destroy') {
  throw new Error(`context eddy:removalPolicy must be retain or destroy, got ${JSON.stringify(removal)}`);
}
const functionNamePrefix = context('eddy:functionNamePrefix');
const alarmEmail = context('eddy:alarmEmail');
const kafkaGateway = context('eddy:kafkaGateway') ?? 'false';
if (kafkaGateway !== 'true' && kafkaGateway !== 'false') {
  throw new Error(`context eddy:kafkaGateway must be true or false, got ${JSON.stringify(kafkaGateway)}`);
}
const kafkaGatewayAllowFrom = context('eddy:kafkaGatewayAllowFrom');
const appendProtocol = context('eddy:appendProtocol') ?? 'head';
if (appendProtocol !== 'head' && appendProtocol !== 'reserve') {
  throw new Error(`context eddy:appendProtocol must be head or reserve, got ${JSON.stringify(appendProtocol)}`);
}

new EddyStack(app, context('eddy:stackName') ?? 'Eddy', {
  ...(alarmEmail !== undefined ? { alarmEmail } : {}),
  eddy: {
    removalPolicy: removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    ...(functionNamePrefix !== undefined ? { functionNamePrefix } : {}),
    appendProtocol,
    ...(kafkaGateway === 'true' ? { kafkaGateway: kafkaGatewayAllowFrom !== undefined ? { allowFrom: ec2.Peer.ipv4(kafkaGatewayAllowFrom) } : true } : {}),
  },
});
