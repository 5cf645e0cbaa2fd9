/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` run this (see cdk.json).
 *
 * Context (`-c key=value`):
 * - `eddy:stackName` — stack name, default `Eddy`;
 * - `eddy:removalPolicy` — `retain` (default) or `destroy` (dev and LocalStack);
 * - `eddy:functionNamePrefix` — function name prefix, default the names in `FUNCTION_NAMES`;
 * - `eddy:alarmEmail` — an email address every alarm notifies (through an SNS topic; confirm the subscription email).
 *
 * The stack is environment-agnostic: it deploys to the account and region of
 * the CLI's credentials, and synthesizes offline without any.
 */
import { App, RemovalPolicy } from 'aws-cdk-lib';
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

new EddyStack(app, context('eddy:stackName') ?? 'Eddy', {
  ...(alarmEmail !== undefined ? { alarmEmail } : {}),
  eddy: {
    removalPolicy: removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    ...(functionNamePrefix !== undefined ? { functionNamePrefix } : {}),
  },
});
