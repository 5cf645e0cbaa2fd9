/**
 * The deployable stack: one {@link EddyStreams} plus the outputs a user needs
 * to call it (API URL, function names, bucket and table names).
 */
import { CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { FunctionKind } from '../../core/schema.js';
import { EddyStreams, type EddyStreamsProps, type EddyTableKey } from './eddy-streams.js';

/** Properties of {@link EddyStack}. */
export interface EddyStackProps extends StackProps {
  /**
   * Settings of the Eddy construct.
   *
   * @default - the construct's defaults (retained data, arm64, 1024 MiB, maintenance every 5 minutes)
   */
  readonly eddy?: EddyStreamsProps;

  /**
   * An email address to notify when an alarm fires: the stack creates an SNS
   * topic, subscribes the address (AWS sends it a confirmation email first)
   * and makes the topic the construct's `alarmAction`. From the CLI:
   * `npx cdk deploy -c eddy:alarmEmail=ops@example.com`.
   *
   * @default - no topic; `eddy.alarmAction` decides
   */
  readonly alarmEmail?: string;
}

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** A stack holding one Eddy deployment. */
export class EddyStack extends Stack {
  /** The Eddy construct, for grants and metrics from other constructs in the app. */
  public readonly eddy: EddyStreams;
  /** The topic alarms notify, when `alarmEmail` is set. */
  public readonly alarmTopic?: sns.Topic;

  /**
   * @param scope - the app
   * @param id - stack id (and CloudFormation stack name unless `stackName` is set)
   * @param props - stack properties and Eddy settings
   */
  constructor(scope: Construct, id: string, props: EddyStackProps = {}) {
    super(scope, id, { description: 'Eddy: serverless Kafka-style event streams (Lambda, S3, DynamoDB)', ...props });
    let alarmAction = props.eddy?.alarmAction;
    if (props.alarmEmail !== undefined) {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) throw new Error(`EddyStack: alarmEmail must be an email address, got ${JSON.stringify(props.alarmEmail)}`);
      if (alarmAction !== undefined) throw new Error('EddyStack: set alarmEmail or eddy.alarmAction, not both');
      const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Eddy alarms', enforceSSL: true });
      topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      Validations.of(topic).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SNS2',
        reason: 'Alarm notifications carry alarm names and states only; a KMS key (and its key policy for CloudWatch) would protect nothing.',
      });
      this.alarmTopic = topic;
      alarmAction = topic;
    }
    this.eddy = new EddyStreams(this, 'Eddy', { ...props.eddy, ...(alarmAction !== undefined ? { alarmAction } : {}) });

    new CfnOutput(this, 'ApiUrl', {
      value: this.eddy.apiEndpoint,
      description: 'Base URL of the IAM-authorized HTTP API; use it as EDDY_ENDPOINT',
    });
    new CfnOutput(this, 'ApiId', { value: this.eddy.httpApi.apiId, description: 'HTTP API id' });
    for (const [kind, fn] of Object.entries(this.eddy.functions) as [FunctionKind, EddyStreams['functions'][FunctionKind]][]) {
      new CfnOutput(this, `${pascal(kind)}FunctionName`, { value: fn.functionName, description: `Name of the ${kind} function` });
    }
    if (this.alarmTopic) new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'SNS topic every alarm notifies' });
    if (this.eddy.kafkaGateway) new CfnOutput(this, 'KafkaBootstrap', { value: this.eddy.kafkaGateway.bootstrapAddress, description: 'Kafka bootstrap server (the gateway load balancer)' });
    new CfnOutput(this, 'BucketName', { value: this.eddy.bucket.bucketName, description: 'Record batch bucket' });
    for (const [key, table] of Object.entries(this.eddy.tables) as [EddyTableKey, EddyStreams['tables'][EddyTableKey]][]) {
      new CfnOutput(this, `${pascal(key)}Name`, { value: table.tableName, description: `DynamoDB ${key}` });
    }
  }
}
